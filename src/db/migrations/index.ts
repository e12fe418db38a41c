import type { Migration } from 'kysely/migration';
import * as foundation from './0001_foundation.js';

/**
 * Every migration, in order. Listed explicitly (not read from disk) so the same
 * set runs from TypeScript sources in tests and from the compiled build.
 * Add new ones at the end with the next number.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': foundation,
};
