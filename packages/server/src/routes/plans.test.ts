import path from 'node:path';
import { openDatabase } from '../database/openDatabase.js';
import { planRouteTests } from './plans.suite.js';

planRouteTests('SQLite', (scratch) => openDatabase(`sqlite:///${path.join(scratch, 'hoard.db')}`));
