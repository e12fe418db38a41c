/**
 * Not a test: measures the records list API for one user holding 10,000 chats
 * and 100,000 messages (plus another user's data as noise), and prints p50/p99
 * latency and sequential requests per second per query shape.
 *
 *   npx tsx test/records/measure-list-latency.ts              # embedded PGlite
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/t66_bench npx tsx test/records/measure-list-latency.ts
 *
 * With DATABASE_URL the database must exist and be empty (it is migrated here).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { newId } from '../../src/db/ids.js';

const CHATS = Number(process.env.CHATS ?? 10_000);
const MESSAGES_PER_CHAT = 10;
const RUNS = Number(process.env.RUNS ?? 200);
const WORDS = ['hello', 'trip', 'paris', 'recipe', 'code', 'review', 'plan', 'budget', 'weather', 'music', 'notes', 'draft'];

async function main() {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 't66-bench-'));
  const config = loadConfig({ ...process.env, PORT: '0', T66_DATA_DIR: dataDir, LOG_LEVEL: process.env.BENCH_LOG ?? 'silent', T66_ARGON2_MEMORY_KIB: '1024' });
  const running = await startServer(config, pino({ level: process.env.BENCH_LOG ?? 'silent' }));
  const api = `${running.url}/api`;
  const db = running.context.db;
  try {
    const register = async (email: string) => {
      const res = await fetch(`${api}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'correct horse battery' }),
      });
      return (await res.json()) as { user: { id: string }; token: string };
    };
    const owner = await register(`bench-${Date.now()}@example.com`);
    const noise = await register(`noise-${Date.now()}@example.com`);

    const seedStarted = Date.now();
    let someChat = '';
    for (const userId of [owner.user.id, noise.user.id]) {
      const base = Date.now() - CHATS * MESSAGES_PER_CHAT * 1000;
      for (let start = 0; start < CHATS; start += 500) {
        const chats = Array.from({ length: 500 }, (_, k) => {
          const i = start + k;
          return {
            id: newId('chat'),
            user_id: userId,
            title: `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} #${i}`,
            settings: JSON.stringify({ model: i % 3 ? 'gpt-4' : 'claude-3', temperature: (i % 5) / 2, systemMessage: '' }),
            created: new Date(base + i * MESSAGES_PER_CHAT * 1000),
            updated: new Date(base + (i + 1) * MESSAGES_PER_CHAT * 1000),
          };
        });
        await db.insertInto('chats').values(chats).execute();
        const messages = chats.flatMap((chat, k) =>
          Array.from({ length: MESSAGES_PER_CHAT }, (_, j) => ({
            id: newId('msg'),
            chat_id: chat.id,
            user_id: userId,
            content: `${WORDS[(start + k + j) % WORDS.length]} message ${j} of ${chat.title}`,
            role: j % 2 ? 'assistant' : 'user',
            attachments: [],
            created: new Date(chat.created.getTime() + j * 1000),
            updated: new Date(chat.created.getTime() + j * 1000),
          })),
        );
        for (let m = 0; m < messages.length; m += 1000) await db.insertInto('messages').values(messages.slice(m, m + 1000)).execute();
        if (userId === owner.user.id && start === CHATS / 2) someChat = chats[0].id;
      }
    }
    await sql`ANALYZE`.execute(db);
    console.log(`seeded ${2 * CHATS} chats and ${2 * CHATS * MESSAGES_PER_CHAT} messages in ${Date.now() - seedStarted} ms (${running.context.dbKind})`);

    const shapes: [string, string][] = [
      ['chats, default (-created), 30 with totals', 'collections/chats/records'],
      ['chats, -updated, skipTotal', 'collections/chats/records?sort=-updated&skipTotal=1'],
      ['chats, title ~ trip, -updated', `collections/chats/records?sort=-updated&filter=${encodeURIComponent("title ~ 'trip'")}`],
      ['chats, settings.model + temperature filter', `collections/chats/records?filter=${encodeURIComponent("settings.model = 'claude-3' && settings.temperature >= 1")}`],
      ['chats, page 200 (deep offset)', 'collections/chats/records?page=200'],
      ['messages, one chat sorted by created', `collections/messages/records?sort=created&filter=${encodeURIComponent(`chat = '${someChat}'`)}`],
      ['messages, default (-created), 30 with totals', 'collections/messages/records'],
      ['messages, -created, skipTotal', 'collections/messages/records?skipTotal=true'],
      ['messages, content ~ hello && role = user', `collections/messages/records?filter=${encodeURIComponent("content ~ 'hello' && role = 'user'")}`],
    ];
    const headers = { authorization: `Bearer ${owner.token}` };
    for (const [name, url] of shapes) {
      // Warm-up; the first try may hit a keep-alive socket the server closed while seeding ran.
      for (let i = 0; i < 10; i++) await (await fetch(`${api}/${url}`, { headers }).catch(() => fetch(`${api}/${url}`, { headers }))).arrayBuffer();
      const times: number[] = [];
      const started = performance.now();
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        const res = await fetch(`${api}/${url}`, { headers });
        const body = (await res.json()) as { items?: unknown[] };
        if (res.status !== 200 || !body.items) throw new Error(`${name}: ${res.status} ${JSON.stringify(body)}`);
        times.push(performance.now() - t);
      }
      const total = performance.now() - started;
      times.sort((a, b) => a - b);
      const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))].toFixed(1);
      console.log(`${name.padEnd(48)} p50 ${pct(50).padStart(6)} ms  p99 ${pct(99).padStart(6)} ms  ${((RUNS / total) * 1000).toFixed(0).padStart(5)} req/s`);
    }
  } finally {
    await running.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
