// Seeds the bench user's chats straight into the database, in one statement,
// while T66 is stopped between its first start and the measured one. Over
// REST, 10,000 creates took minutes on a busy machine; this takes well under a second.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const rootRequire = createRequire(new URL('../../package.json', import.meta.url));

export const TOPICS = ['trip', 'recipe', 'code', 'music', 'garden', 'finance', 'health', 'books', 'movies', 'travel'];

// Ids shaped like T66's newId('chat'): `chat_` and 16 of [a-z0-9]; md5 hex is a subset.
// Chat i is i seconds older than chat i+1, so `-created` has a stable order.
const INSERT_CHATS = `
INSERT INTO chats (id, user_id, title, settings, created, updated)
SELECT 'chat_' || substr(md5(random()::text || g::text), 1, 16),
       $1,
       'Chat ' || g || ' about ' || ($3::text[])[1 + g % ${TOPICS.length}],
       $4::jsonb,
       now() - make_interval(secs => $2 - g),
       now() - make_interval(secs => $2 - g)
FROM generate_series(0, $2 - 1) AS g`;

function params(userId, count, model) {
  const settings = JSON.stringify({ model, temperature: 0.7, systemMessage: 'You are a helpful assistant' });
  return [userId, count, TOPICS, settings];
}

export async function seedChatsPostgres(databaseUrl, userId, count, model) {
  const pg = rootRequire('pg');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(INSERT_CHATS, params(userId, count, model));
    // What autovacuum would do within a minute of 10,000 inserts.
    await client.query('ANALYZE chats');
  } finally {
    await client.end();
  }
}

/** `dataDir` is T66_DATA_DIR; T66 keeps PGlite in its `pglite` folder. T66 must not be running. */
export async function seedChatsPglite(dataDir, userId, count, model) {
  const { PGlite } = await import(pathToFileURL(rootRequire.resolve('@electric-sql/pglite')).href);
  const db = await PGlite.create(path.join(dataDir, 'pglite'));
  try {
    // No ANALYZE: PGlite has no autovacuum, so a user's embedded database would not have one either.
    await db.query(INSERT_CHATS, params(userId, count, model));
  } finally {
    await db.close();
  }
}
