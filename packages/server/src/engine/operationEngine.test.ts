import path from 'node:path';
import { openDatabase } from '../database/openDatabase.js';
import { operationEngineTests } from './operationEngine.suite.js';

operationEngineTests('SQLite', (scratch) => openDatabase(`sqlite:///${path.join(scratch, 'hoard.db')}`));
