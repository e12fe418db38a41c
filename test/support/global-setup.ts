import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { migrateToLatest, openDatabase } from '../../src/db/database.js';
import { TEST_DB_PREFIX, databaseUrl, withAdmin } from './databases.js';

/**
 * Runs once per test run: builds a migrated PostgreSQL template database and a
 * migrated PGlite data dir, which every test server then copies.
 */
export default async function setup() {
  if (process.env.T66_TEST_PG_TEMPLATE) return;
  // The run id starts with the time, so leftovers of killed runs can be told from runs still going.
  const run = `${Math.floor(Date.now() / 1000)}_${randomBytes(3).toString('hex')}`;
  const pgTemplate = `${TEST_DB_PREFIX}${run}_template`;
  await withAdmin(async (c) => {
    const all = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE '${TEST_DB_PREFIX}%'`);
    const cutoff = Date.now() / 1000 - 3 * 3600;
    for (const { datname } of all.rows) {
      const started = Number(datname.slice(TEST_DB_PREFIX.length).split('_')[0]);
      if (!(started > cutoff)) await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => {});
    }
    await c.query(`CREATE DATABASE ${pgTemplate}`);
  });
  const pgHandle = await openDatabase({ databaseUrl: databaseUrl(pgTemplate), pgliteDir: '' });
  await migrateToLatest(pgHandle.db);
  await pgHandle.close();

  const pgliteRoot = await fs.mkdtemp(path.join(os.tmpdir(), 't66-pglite-template-'));
  const pgliteHandle = await openDatabase({ pgliteDir: path.join(pgliteRoot, 'pglite') });
  await migrateToLatest(pgliteHandle.db);
  await pgliteHandle.close();

  process.env.T66_TEST_RUN = run;
  process.env.T66_TEST_PG_TEMPLATE = pgTemplate;
  process.env.T66_TEST_PGLITE_TEMPLATE = path.join(pgliteRoot, 'pglite');

  return async () => {
    await withAdmin(async (c) => {
      const mine = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE '${TEST_DB_PREFIX}${run}%'`);
      for (const { datname } of mine.rows) await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => {});
    });
    await fs.rm(pgliteRoot, { recursive: true, force: true });
  };
}
