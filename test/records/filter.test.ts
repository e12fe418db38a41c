/**
 * The PocketBase filter language, case by case, through the list API. The
 * cases follow PocketBase's grammar and semantics (tools/search/filter.go and
 * github.com/ganigeorgiev/fexpr): each asserts the records it selects, or the
 * 400 it answers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { listChats, listMessages, listUserSettings } from '../../generated/sdk.gen.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { apiClient, raw } from '../support/client.js';
import { createTestChat, createTestMessage, createUser, uploadTestFile, type TestUser } from '../support/factories.js';

let server: TestServer;
let owner: TestUser;
let stranger: TestUser;
/** Fixture names (c1, m2, file1, ...) to ids. */
const ids: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer();
  owner = await createUser(server.api);
  stranger = await createUser(server.api);
  ids.owner = owner.user.id;
  ids.stranger = stranger.user.id;
  ids.file1 = (await uploadTestFile(server.api, owner.token, { name: 'one.txt' })).id;
  ids.file2 = (await uploadTestFile(server.api, owner.token, { name: 'two.txt' })).id;

  const chat = async (name: string, title: string, settings: { model: string; temperature: number; systemMessage: string }) => {
    ids[name] = (await createTestChat(server.api, owner.token, { title, settings })).id;
  };
  await chat('c1', 'Trip to Paris', { model: 'gpt-4', temperature: 0.7, systemMessage: 'You are a helpful assistant' });
  await chat('c2', 'Recipes_2025', { model: 'claude-3', temperature: 1.5, systemMessage: '' });
  await chat('c3', '', { model: 'gpt-4o', temperature: 0, systemMessage: 'x' });
  await chat('c4', 'O\'Brien "notes"', { model: '', temperature: 2, systemMessage: 'terse' });
  ids.strangerChat = (await createTestChat(server.api, stranger.token, { title: 'Trip to Paris' })).id;
  await createTestMessage(server.api, stranger.token, { chat: ids.strangerChat, content: 'Hello world' });

  const message = async (name: string, chatName: string, content: string, role: 'user' | 'assistant' | 'system' | 'tool', attachments: string[]) => {
    ids[name] = (await createTestMessage(server.api, owner.token, { chat: ids[chatName], content, role, attachments: attachments.map((f) => ids[f]) })).id;
  };
  await message('m1', 'c1', 'Hello world', 'user', ['file1']);
  await message('m2', 'c1', 'Bonjour! 100% sure', 'assistant', []);
  await message('m3', 'c2', 'pasta_recipe', 'user', ['file1', 'file2']);
  await message('m4', 'c2', 'It\'s "quoted"', 'system', []);
  await message('m5', 'c4', 'path\\to\\file', 'tool', ['file2']);

  // Fixed dates well in the past for c1-c3, so date cases do not depend on today; c4 keeps "now".
  const db = server.context.db;
  const setDate = (name: string, iso: string) =>
    db.updateTable('chats').set({ created: iso, updated: iso }).where('id', '=', ids[name]).execute();
  await setDate('c1', '2020-01-15T10:00:00.000Z');
  await setDate('c2', '2021-01-01T00:00:00.000Z');
  await setDate('c3', '2021-06-30T12:30:00.500Z');
  await db
    .updateTable('messages')
    .set({ model: 'gpt-4', status: 'complete', usage: JSON.stringify({ prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 }) })
    .where('id', '=', ids.m2)
    .execute();
});

type Collection = 'chats' | 'messages' | 'user_settings';
type Case = [name: string, collection: Collection, filter: string, expected: string[] | 400];

const ALL_CHATS = ['c1', 'c2', 'c3', 'c4'];
const ALL_MESSAGES = ['m1', 'm2', 'm3', 'm4', 'm5'];

/** `{c1}` in a filter stands for that fixture's id. */
function expand(filter: string): string {
  return filter.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? `missing-${name}`);
}

async function list(collection: Collection, filter: string) {
  const client = apiClient(server.api, owner.token);
  const query = { filter, perPage: 100 };
  if (collection === 'chats') return listChats({ client, query });
  if (collection === 'messages') return listMessages({ client, query });
  return listUserSettings({ client, query });
}

const cases: Case[] = [
  // Equality, NULL and the empty string
  ['equal text', 'chats', "title = 'Trip to Paris'", ['c1']],
  ['not equal', 'chats', "title != 'Trip to Paris'", ['c2', 'c3', 'c4']],
  ['= empty string', 'chats', "title = ''", ['c3']],
  ['= null matches the empty string', 'chats', 'title = null', ['c3']],
  ['null on the left', 'chats', 'null = title', ['c3']],
  ['!= null', 'chats', 'title != null', ['c1', 'c2', 'c4']],
  ['!= is NULL-safe on a nullable field', 'messages', "model != 'gpt-4'", ['m1', 'm3', 'm4', 'm5']],
  ['= null on a nullable field', 'messages', 'model = null', ['m1', 'm3', 'm4', 'm5']],
  ['!= null on a nullable field', 'messages', 'model != null', ['m2']],
  ['literal null vs empty (PocketBase)', 'chats', "'' = null && null != ''", []],
  ['NULL keyword is case-insensitive', 'chats', 'title = NULL', ['c3']],
  // Quoting
  ['double quotes with escaped double quote', 'chats', 'title = "O\'Brien \\"notes\\""', ['c4']],
  ['single quotes with escaped single quote', 'chats', "title = 'O\\'Brien \"notes\"'", ['c4']],
  ['escaped quote in content', 'messages', "content = 'It\\'s \"quoted\"'", ['m4']],
  ['a backslash before another character stays', 'messages', "content = 'path\\to\\file'", ['m5']],
  ['unterminated single quote', 'chats', "title = 'Trip", 400],
  ['mismatched quotes', 'chats', 'title = "Trip\'', 400],
  ['two texts in a row', 'chats', "title = 'O' 'Brien'", 400],
  // ~ and !~
  ['~ is a case-insensitive contains', 'chats', "title ~ 'paris'", ['c1']],
  ['!~ is its negation', 'chats', "title !~ 'PARIS'", ['c2', 'c3', 'c4']],
  ['~ escapes _ (no single-character wildcard)', 'chats', "title ~ 'Trip_to'", []],
  ['~ matches a literal _', 'chats', "title ~ 'Recipes_'", ['c2']],
  ['~ with an unescaped % is the caller\'s pattern', 'chats', "title ~ 'Trip%Paris'", ['c1']],
  ['~ pattern anchored at the start', 'chats', "title ~ 'rip%'", []],
  ['~ pattern with both wildcards', 'chats', "title ~ '%rip%'", ['c1']],
  ['~ with an escaped % stays a contains', 'messages', "content ~ '100\\%'", ['m2']],
  ['~ with a literal % in the value is a pattern', 'messages', "content ~ '100%'", []],
  ['~ finds a literal backslash', 'messages', "content ~ 'path\\to'", ['m5']],
  ['~ on a number field compares its text', 'chats', "settings.temperature ~ '1.5'", ['c2']],
  ['~ with the field on the right', 'chats', "'My Trip to Paris!' ~ title", ['c1', 'c3']],
  ['~ null is refused', 'chats', 'title ~ null', 400],
  ['!~ on a nullable field counts NULL as empty', 'messages', "model !~ 'gpt'", ['m1', 'm3', 'm4', 'm5']],
  // Ordering
  ['> on text compares code points', 'chats', "title > 'S'", ['c1']],
  ['> on numbers', 'chats', 'settings.temperature > 1', ['c2', 'c4']],
  ['= on a number', 'chats', 'settings.temperature = 0', ['c3']],
  ['range with &&', 'chats', 'settings.temperature >= 0.7 && settings.temperature <= 1.5', ['c1', 'c2']],
  ['a quoted number on a number field', 'chats', "settings.temperature = '1.5'", ['c2']],
  ['negative numbers', 'chats', 'settings.temperature > -1', ALL_CHATS],
  ['a number against text compares as text', 'chats', 'title = 123', []],
  ['> null is refused', 'chats', 'title > null', 400],
  ['text that is not a number on a number field', 'chats', "settings.temperature = 'hot'", 400],
  ['a boolean against text', 'chats', 'title = true', 400],
  // Dotted paths into settings
  ['settings.model', 'chats', "settings.model = 'gpt-4'", ['c1']],
  ['settings.model ~', 'chats', "settings.model ~ 'GPT'", ['c1', 'c3']],
  ['settings.model = null matches empty', 'chats', 'settings.model = null', ['c4']],
  ['settings.systemMessage', 'chats', "settings.systemMessage ~ 'helpful'", ['c1']],
  ['settings.systemMessage empty', 'chats', "settings.systemMessage = ''", ['c2']],
  ['an unknown settings key', 'chats', 'settings.topP = 1', 400],
  ['settings as a whole is not comparable', 'chats', 'settings = null', 400],
  ['usage numbers on messages', 'messages', 'usage.total_tokens > 20', ['m2']],
  ['usage missing is null', 'messages', 'usage.prompt_tokens = null', ['m1', 'm3', 'm4', 'm5']],
  // Multi-valued fields: all vs any
  ['?= any message', 'chats', "messages ?= '{m1}'", ['c1']],
  ['= requires every message to match', 'chats', "messages = '{m1}'", []],
  ['= with a single message', 'chats', "messages = '{m5}'", ['c4']],
  ['= null matches an empty list', 'chats', 'messages = null', ['c3']],
  ['!= null: lists that are not empty', 'chats', 'messages != null', ['c1', 'c2', 'c4']],
  ['!= requires every message to differ', 'chats', "messages != '{m1}'", ['c2', 'c3', 'c4']],
  ['?!= any message differs', 'chats', "messages ?!= '{m1}'", ALL_CHATS],
  [':length', 'chats', 'messages:length = 2', ['c1', 'c2']],
  [':length zero', 'chats', 'messages:length = 0', ['c3']],
  ['?= attachment', 'messages', "attachments ?= '{file1}'", ['m1', 'm3']],
  ['= attachment (all)', 'messages', "attachments = '{file1}'", ['m1']],
  ['attachments = null', 'messages', 'attachments = null', ['m2', 'm4']],
  ['attachments:length', 'messages', 'attachments:length >= 2', ['m3']],
  ['?~ any attachment contains', 'messages', "attachments ?~ 'FILE_'", ['m1', 'm3', 'm5']],
  ['!~ no attachment contains', 'messages', "attachments !~ '{file1}'", ['m2', 'm4', 'm5']],
  ['?!= some attachment differs', 'messages', "attachments ?!= '{file1}'", ['m2', 'm3', 'm4', 'm5']],
  ['?> on a list', 'chats', "messages ?> ''", ['c1', 'c2', 'c4']],
  ['?= on a single-valued field works like =', 'chats', "title ?= 'Trip to Paris'", ['c1']],
  // && || precedence, groups, comments
  ['&& binds tighter than ||', 'chats', "title = 'Trip to Paris' || title = '' && settings.model = 'nope'", ['c1']],
  ['parentheses override precedence', 'chats', "(title = 'Trip to Paris' || title = '') && settings.model = 'gpt-4o'", ['c3']],
  ['nested parentheses', 'chats', "((((title = ''))))", ['c3']],
  ['an empty group is dropped', 'chats', "() && title = ''", ['c3']],
  ['a comment to the end of the line', 'chats', "title ~ 'trip' // only the trip", ['c1']],
  ['a comment then an expression', 'chats', "// the empty one\ntitle = ''", ['c3']],
  ['no spaces needed', 'chats', "title='Trip to Paris'||title=''", ['c1', 'c3']],
  ['tabs and newlines are spaces', 'chats', "title\t=\n'Trip to Paris'", ['c1']],
  // Literal operands and macros
  ['literals on both sides', 'chats', '1 = 1', ALL_CHATS],
  ['false literal comparison', 'chats', '1 = 2', []],
  ['booleans', 'chats', 'true = true && false != true', ALL_CHATS],
  ['@request.auth.id', 'chats', 'user = @request.auth.id', ALL_CHATS],
  ['@now', 'chats', 'created < @now', ALL_CHATS],
  ['@yesterday', 'chats', 'created > @yesterday', ['c4']],
  ['@tomorrow', 'chats', 'created > @tomorrow', []],
  ['@yearStart and @yearEnd', 'chats', 'created >= @yearStart && created <= @yearEnd', ['c4']],
  ['@monthStart and @monthEnd', 'chats', 'created >= @monthStart && updated <= @monthEnd', ['c4']],
  ['@todayStart before @todayEnd', 'chats', '@todayStart < @todayEnd && @todayEnd > created', ALL_CHATS],
  ['number macros', 'chats', '@second < 60 && @minute < 60 && @hour < 24 && @day >= 1 && @month <= 12 && @weekday < 7 && @year > 2000', ALL_CHATS],
  ['an unknown macro', 'chats', '@someday = 1', 400],
  ['other @request fields are not supported', 'chats', "@request.auth.email = 'x'", 400],
  ['@collection is not supported', 'chats', "@collection.users.id = 'x'", 400],
  // Dates
  ['date after a day', 'chats', "created > '2021-01-01'", ['c3', 'c4']],
  ['date on or after a day', 'chats', "created >= '2021-01-01'", ['c2', 'c3', 'c4']],
  ['PocketBase date format', 'chats', "created = '2021-06-30 12:30:00.500Z'", ['c3']],
  ['ISO date with T', 'chats', "created = '2021-06-30T12:30:00.5Z'", ['c3']],
  ['date with an offset', 'chats', "created < '2020-12-31T23:00:00-02:00'", ['c1', 'c2']],
  ['~ on a date uses its ISO text', 'chats', "created ~ '2021-06'", ['c3']],
  ['a date against a number', 'chats', 'created > 5', 400],
  ['impossible date compares as text', 'chats', "created < '2021-02-30'", ['c1', 'c2']],
  ['updated equals created for untouched chats', 'chats', 'updated = created', ['c1', 'c2', 'c3']],
  // Ids and owners (the filter never widens the caller's records)
  ['by id', 'chats', "id = '{c2}'", ['c2']],
  ['by another user\'s id', 'chats', "id = '{strangerChat}'", []],
  ['another user\'s id OR one of mine', 'chats', "id = '{strangerChat}' || id = '{c1}'", ['c1']],
  ['user = me', 'chats', "user = '{owner}'", ALL_CHATS],
  ['user = someone else', 'chats', "user = '{stranger}'", []],
  ['|| true does not widen', 'chats', "user = '{stranger}' || 1 = 1", ALL_CHATS],
  // Messages
  ['messages by chat', 'messages', "chat = '{c1}'", ['m1', 'm2']],
  ['messages of another user\'s chat', 'messages', "chat = '{strangerChat}'", []],
  ['role', 'messages', "role = 'assistant'", ['m2']],
  ['role !=', 'messages', "role != 'user'", ['m2', 'm4', 'm5']],
  ['content ~', 'messages', "content ~ 'HELLO'", ['m1']],
  ['content with an underscore', 'messages', "content ~ 'pasta_'", ['m3']],
  ['status', 'messages', "status = 'complete'", ['m2']],
  ['chat && role', 'messages', "chat = '{c1}' && role = 'user'", ['m1']],
  ['recent messages of a chat', 'messages', "created >= @yesterday && chat = '{c2}'", ['m3', 'm4']],
  ['messages have no user field', 'messages', "user = '{owner}'", 400],
  [':lower on text', 'chats', "title:lower = 'trip to paris'", ['c1']],
  // User settings
  ['settings by user', 'user_settings', "user = '{owner}'", ['settings']],
  ['settings by theme', 'user_settings', "theme = 'system' && default_model = ''", ['settings']],
  ['settings of another user', 'user_settings', "user = '{stranger}'", []],
  ['api_keys cannot be filtered', 'user_settings', "api_keys = ''", 400],
  // Syntax errors
  ['missing right operand', 'chats', 'title =', 400],
  ['missing left operand', 'chats', "= 'x'", 400],
  ['== is not an operator', 'chats', "title == 'x'", 400],
  ['=! is not an operator', 'chats', "title =! 'x'", 400],
  ['trailing &&', 'chats', "title = 'x' &&", 400],
  ['single &', 'chats', "title = 'x' & title = 'y'", 400],
  ['||| is not an operator', 'chats', "title = 'x' ||| title = 'y'", 400],
  ['unclosed parenthesis', 'chats', "(title = 'x'", 400],
  ['unopened parenthesis', 'chats', "title = 'x')", 400],
  ['missing operator', 'chats', "title 'x'", 400],
  ['unknown field', 'chats', 'colour = 1', 400],
  ['unknown identifier as a value', 'chats', 'title = somefield', 400],
  ['functions are not supported', 'chats', "strftime('%Y', created) = '2025'", 400],
  ['a single slash', 'chats', 'title / 2', 400],
  ['a number ending in a dot', 'chats', 'settings.temperature = 1.', 400],
  ['a lone minus', 'chats', 'settings.temperature = -', 400],
  ['an unexpected character', 'chats', "title = 'x' $ 1", 400],
  ['an identifier ending in a dot', 'chats', "settings. = 'x'", 400],
  ['an unsupported modifier', 'chats', "title:upper = 'X'", 400],
  [':length on a text field', 'chats', 'title:length > 1', 400],
  [':lower on a list', 'chats', "messages:lower = 'x'", 400],
  ['only spaces', 'chats', '   ', 400],
  ['only a comment', 'chats', '// nothing here', 400],
  ['group after group without a join', 'chats', "(title = 'x')(title = 'y')", 400],
  ['32 levels of parentheses are fine', 'chats', `${'('.repeat(32)}title = ''${')'.repeat(32)}`, ['c3']],
  ['33 levels are too deep', 'chats', `${'('.repeat(33)}title = ''${')'.repeat(33)}`, 400],
  ['200 comparisons are fine', 'chats', Array.from({ length: 200 }, () => "title = ''").join(' || '), ['c3']],
  ['201 comparisons are too many', 'chats', Array.from({ length: 201 }, () => 't=1').join('||'), 400],
];

describe('the filter language', () => {
  it('has a table of at least 80 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
  });

  it.each(cases)('%s (%s: %s)', async (_name, collection, template, expected) => {
    const filter = expand(template);
    const { data, error, response } = await list(collection, filter);
    if (expected === 400) {
      expect(response.status).toBe(400);
      const err = (error as unknown as { error: { code: string; details: { parameter: string; position: number; reason: string } } }).error;
      expect(err.code).toBe('invalid_filter');
      expect(err.details.parameter).toBe('filter');
      expect(err.details.position).toBeGreaterThanOrEqual(0);
      expect(err.details.position).toBeLessThanOrEqual(filter.length);
      expect(err.details.reason).toEqual(expect.any(String));
      return;
    }
    expect(response.status).toBe(200);
    const names = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
    const got = data!.items.map((item) => (collection === 'user_settings' ? 'settings' : (names[item.id] ?? item.id)));
    expect(got.sort()).toEqual([...expected].sort());
  });
});

describe('filter errors', () => {
  it('say where and why', async () => {
    const res = await raw(server.api, 'GET', `/collections/chats/records?filter=${encodeURIComponent("title = 'x' && colour = 1")}`, {
      token: owner.token,
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details).toMatchObject({ parameter: 'filter', position: 15 });
    expect(res.json.error.details.reason).toContain('colour');
  });

  it('answer 400 for a filter over 4096 characters, before parsing it', async () => {
    const res = await raw(server.api, 'GET', `/collections/chats/records?filter=${encodeURIComponent(`title = '${'x'.repeat(4100)}'`)}`, {
      token: owner.token,
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
  });

  it('treat an empty filter as no filter', async () => {
    const { data } = await listChats({ client: apiClient(server.api, owner.token), query: { filter: '' } });
    expect(data!.totalItems).toBe(4);
  });

  it('refuse a NUL character', async () => {
    const res = await raw(server.api, 'GET', `/collections/chats/records?filter=${encodeURIComponent("title = 'a\u0000b'")}`, {
      token: owner.token,
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_filter');
  });
});

describe('filter values', () => {
  it.each([
    ["'; DROP TABLE chats; --"],
    ["' OR 1=1 --"],
    ['\\\' OR \'1\'=\'1'],
    ['%_%\\x'],
    ['$1'],
    ['😀 ünïcödé'],
  ])('are bound parameters that cannot change the query: %s', async (value) => {
    const quoted = `'${value.replace(/'/g, "\\'")}'`;
    for (const filter of [`title = ${quoted}`, `title ~ ${quoted}`, `settings.model = ${quoted}`]) {
      const { data, response } = await listChats({ client: apiClient(server.api, owner.token), query: { filter } });
      expect(response.status).toBe(200);
      expect(data!.items).toEqual([]);
    }
    const count = await server.context.db.selectFrom('chats').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(5);
  });
});
