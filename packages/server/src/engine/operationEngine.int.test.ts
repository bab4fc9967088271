import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { afterAll } from 'vitest';
import { openDatabase } from '../database/openDatabase.js';
import { operationEngineTests } from './operationEngine.suite.js';

// The mini-cloud's MariaDB (test/minicloud): the compare-and-swap of fires as production runs it.
const server = { host: '127.0.0.1', user: 'openstack', password: 'openstack' };
const name = `hoard_engine_${randomBytes(4).toString('hex')}`;

operationEngineTests('MariaDB', async () => {
  const connection = await createConnection(server);
  await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await connection.end();
  return openDatabase(`mysql://${server.user}:${server.password}@${server.host}/${name}`);
});

afterAll(async () => {
  const connection = await createConnection(server);
  await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await connection.end();
});
