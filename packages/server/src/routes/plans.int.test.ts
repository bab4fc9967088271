import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { afterAll } from 'vitest';
import { openDatabase } from '../database/openDatabase.js';
import { planRouteTests } from './plans.suite.js';

// The mini-cloud's MariaDB (test/minicloud), as production runs Hoard on MySQL/MariaDB.
const server = { host: '127.0.0.1', user: 'openstack', password: 'openstack' };
const name = `hoard_test_${randomBytes(4).toString('hex')}`;

planRouteTests('MariaDB', async () => {
  const connection = await createConnection(server);
  await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await connection.end();
  // oslo.db's spelling, as Karbor's [database] connection has it.
  return openDatabase(`mysql+pymysql://${server.user}:${server.password}@${server.host}/${name}`);
});

afterAll(async () => {
  const connection = await createConnection(server);
  await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await connection.end();
});
