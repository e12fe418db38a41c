import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { TokenClaims } from './tokens.js';

/**
 * Revoked token ids, held in memory so checking a token costs no database
 * round-trip. Every instance polls the table for rows written by the others,
 * so a logout on one instance takes effect on all within `pollMs`.
 */
export interface RevocationList {
  isRevoked(jti: string): boolean;
  revoke(db: Kysely<Database>, claims: TokenClaims): Promise<void>;
  /** Called for every revocation seen, local or from another instance (used to close WebSockets). */
  onRevoked(listener: (jti: string, userId: string) => void): () => void;
  start(): Promise<void>;
  stop(): void;
}

// Rows are stamped with the database clock; re-reading a short window covers
// transactions that commit out of timestamp order.
const OVERLAP_MS = 10_000;

export function createRevocationList(db: Kysely<Database>, pollMs: number): RevocationList {
  const revoked = new Map<string, number>(); // jti -> expiry (ms)
  const listeners = new Set<(jti: string, userId: string) => void>();
  let lastSeen = 0;
  let timer: NodeJS.Timeout | undefined;
  let polls = 0;

  function remember(jti: string, userId: string, expires: Date, revokedAt: Date) {
    lastSeen = Math.max(lastSeen, revokedAt.getTime());
    if (revoked.has(jti)) return;
    revoked.set(jti, expires.getTime());
    for (const listener of listeners) listener(jti, userId);
  }

  async function poll(initial: boolean) {
    const since = initial ? new Date(0) : new Date(lastSeen - OVERLAP_MS);
    const rows = await db
      .selectFrom('revoked_tokens')
      .select(['jti', 'user_id', 'expires', 'revoked_at'])
      .where('revoked_at', '>', since)
      .where('expires', '>', new Date())
      .execute();
    for (const row of rows) remember(row.jti, row.user_id, row.expires, row.revoked_at);
    if (++polls % 600 === 0) await prune();
  }

  async function prune() {
    const now = Date.now();
    for (const [jti, expires] of revoked) if (expires <= now) revoked.delete(jti);
    await db.deleteFrom('revoked_tokens').where('expires', '<=', new Date(now)).execute();
  }

  return {
    isRevoked: (jti) => revoked.has(jti),
    async revoke(tx, claims) {
      const row = await tx
        .insertInto('revoked_tokens')
        .values({ jti: claims.jti, user_id: claims.userId, expires: claims.expires, revoked_at: sql<Date>`now()` })
        .onConflict((oc) => oc.column('jti').doNothing())
        .returning(['revoked_at'])
        .executeTakeFirst();
      remember(claims.jti, claims.userId, claims.expires, row?.revoked_at ?? new Date());
    },
    onRevoked(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      await poll(true);
      timer = setInterval(() => {
        poll(false).catch(() => {
          // A failed poll is retried on the next tick; the health check reports a dead database.
        });
      }, pollMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
