import type { Migration } from 'kysely/migration';
import * as foundation from './0001_foundation.js';
import * as records from './0002_records.js';
import * as files from './0003_files.js';
import * as usage from './0004_usage.js';
import * as webhooks from './0005_webhooks.js';

/**
 * Every migration, in order. Listed explicitly (not read from disk) so the same
 * set runs from TypeScript sources in tests and from the compiled build.
 * Add new ones at the end with the next number.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': foundation,
  '0002_records': records,
  '0003_files': files,
  '0004_usage': usage,
  '0005_webhooks': webhooks,
};
