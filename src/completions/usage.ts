import { sql, type Insertable, type Kysely } from 'kysely';
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
      await insertUsageRows(db, rows);
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

/**
 * One statement with one array parameter per column. Kysely's multi-row
 * VALUES would build and send eleven placeholders per row, a CPU burst of tens
 * of milliseconds per 500-row batch on the same event loop as the requests.
 */
async function insertUsageRows(db: Kysely<Database>, rows: UsageRow[]) {
  const column = <K extends keyof UsageRow>(key: K) => rows.map((row) => row[key] ?? null);
  const created = rows.map((row) => (row.created instanceof Date ? row.created.toISOString() : String(row.created)));
  await sql`
    insert into usage (id, user_id, request_id, model, provider, prompt_tokens, completion_tokens, cost, latency_ms, ttft_ms, status, created)
    select * from unnest(
      ${column('id')}::text[], ${column('user_id')}::text[], ${column('request_id')}::text[], ${column('model')}::text[],
      ${column('provider')}::text[], ${column('prompt_tokens')}::integer[], ${column('completion_tokens')}::integer[],
      ${column('cost')}::double precision[], ${column('latency_ms')}::integer[], ${column('ttft_ms')}::integer[],
      ${column('status')}::text[], ${created}::timestamptz[]
    )`.execute(db);
}

export function costOf(model: CatalogueModel, promptTokens: number, completionTokens: number): number {
  return (promptTokens * model.pricing.input + completionTokens * model.pricing.output) / 1000;
}
