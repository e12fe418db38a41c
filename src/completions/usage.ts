import type { Insertable, Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, UsageTable } from '../db/schema.js';
import { usageId } from './ids.js';
import type { CatalogueModel } from '../models/catalogue.js';

export type UsageRow = Insertable<UsageTable>;

/**
 * Usage rows are buffered in memory and written in batches (every
 * `intervalMs`, or at `batchSize` rows, and on shutdown), so a completion never
 * waits on the database for its accounting.
 */
export interface UsageRecorder {
  add(row: Omit<UsageRow, 'id' | 'created'>): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

const MAX_BUFFERED = 100_000;

export function createUsageRecorder(
  db: Kysely<Database>,
  log: Logger,
  options: { intervalMs: number; batchSize: number },
): UsageRecorder {
  let buffer: UsageRow[] = [];
  let flushing: Promise<void> = Promise.resolve();

  const writeBatch = async (rows: UsageRow[]): Promise<boolean> => {
    try {
      await db.insertInto('usage').values(rows).execute();
      return true;
    } catch (err) {
      // Put the rows back for the next flush, unless the buffer is already past its bound.
      if (buffer.length + rows.length <= MAX_BUFFERED) buffer = rows.concat(buffer);
      log.error({ err, rows: rows.length }, 'could not write usage rows; will retry');
      return false;
    }
  };

  const flush = () => {
    // Chained, so batches never overlap and a flush waits for the one before it.
    flushing = flushing.then(async () => {
      while (buffer.length > 0) {
        const written = await writeBatch(buffer.splice(0, options.batchSize));
        if (!written) break; // try again on the next tick
      }
    });
    return flushing;
  };

  const timer = setInterval(() => void flush(), options.intervalMs);
  timer.unref();

  return {
    add(row) {
      if (buffer.length >= MAX_BUFFERED) {
        buffer.shift();
        log.warn('usage buffer full (database unreachable?); dropping the oldest row');
      }
      buffer.push({ ...row, id: usageId(), created: new Date() });
      if (buffer.length >= options.batchSize) void flush();
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}

export function costOf(model: CatalogueModel, promptTokens: number, completionTokens: number): number {
  return (promptTokens * model.pricing.input + completionTokens * model.pricing.output) / 1000;
}
