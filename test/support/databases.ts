import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server tests use; CI and these machines run one on 127.0.0.1:5432 with trust auth. */
export const ADMIN_URL = process.env.T66_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export const TEST_DB_PREFIX = 't66_test_';

/** A fresh PostgreSQL database cloned from the migrated template of this test run. */
export async function createTestPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const template = process.env.T66_TEST_PG_TEMPLATE;
  if (!template) throw new Error('global setup did not create the PostgreSQL template');
  const name = `${TEST_DB_PREFIX}${process.env.T66_TEST_RUN}_${randomBytes(5).toString('hex')}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  return {
    url: databaseUrl(name),
    drop: () => withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** A fresh data dir holding a copy of the migrated PGlite template (initdb runs once per test run, not per file). */
export async function createTestDataDir(withPglite: boolean): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 't66-test-'));
  if (withPglite) {
    const template = process.env.T66_TEST_PGLITE_TEMPLATE;
    if (!template) throw new Error('global setup did not create the PGlite template');
    await fs.cp(template, path.join(dir, 'pglite'), { recursive: true });
  }
  return { dir, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}
