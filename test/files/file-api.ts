/**
 * The files API, run against each storage backend (test/files/local.test.ts,
 * test/files/s3.test.ts): the same scenarios must hold on both.
 */
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { deleteFile, downloadFile, getFile, uploadFile } from '../../generated/sdk.gen.js';
import { apiClient, raw } from '../support/client.js';
import { createUser, uploadTestFile, type TestUser } from '../support/factories.js';
import type { TestServer } from '../support/server.js';
import { abortedUpload, multipart, type Part } from './multipart.js';

export const MAX_UPLOAD_BYTES = 6 * 1024 * 1024;

export interface BackendUnderTest {
  server: TestServer;
  /** Every object the backend holds now (for local disk, temporary files too). */
  stored(): Promise<string[]>;
}

export function pngBytes(width = 4, height = 3): Buffer {
  const png = new PNG({ width, height });
  png.data.fill(120);
  return PNG.sync.write(png);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function fileApiScenarios(backendName: string, start: () => Promise<BackendUnderTest>) {
  let backend: BackendUnderTest;
  let api: string;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    backend = await start();
    api = backend.server.api;
    [alice, bob] = await Promise.all([createUser(api), createUser(api)]);
  });

  const postMultipart = (parts: Part[], options: { anonymous?: boolean } = {}) => {
    const { body, contentType } = multipart(parts);
    const token = options.anonymous ? undefined : alice.token;
    return raw(api, 'POST', '/files/upload', { token, body, headers: { 'content-type': contentType } });
  };
  const fileRows = async (userId: string) =>
    backend.server.context.db.selectFrom('files').selectAll().where('user_id', '=', userId).execute();

  describe(`uploading (${backendName})`, () => {
    it('stores the file and answers its metadata with T66\'s own download URL', async () => {
      const content = 'first line\nsecond line\n';
      const { data, response } = await uploadFile({
        client: apiClient(api, alice.token),
        body: { file: new File([content], 'notes.md', { type: 'text/markdown' }) },
      });
      expect(response.status).toBe(200);
      expect(data).toMatchObject({ filename: 'notes.md', size: Buffer.byteLength(content), type: 'text/markdown' });
      expect(data!.id).toMatch(/^file_[a-z0-9]{16}$/);
      expect(data!.url).toBe(`${api}/files/${data!.id}/content`);
      const meta = await getFile({ client: apiClient(api, alice.token), path: { id: data!.id } });
      expect(meta.data).toEqual(data);
      const download = await raw(api, 'GET', `/files/${data!.id}/content`, { token: alice.token });
      expect(download.text).toBe(content);
    });

    it('keeps large files intact byte for byte', async () => {
      const bytes = randomBytes(5.5 * 1024 * 1024);
      bytes.write('plain text start'); // make it neither a known signature nor text
      bytes[20] = 0;
      const res = await postMultipart([{ name: 'file', filename: 'blob.bin', type: 'application/octet-stream', data: bytes }]);
      // Unknown binary content is application/octet-stream, which the default list refuses.
      expect(res.status).toBe(415);
      const png = Buffer.concat([pngBytes(), bytes]); // a PNG signature with a long tail
      const ok = await postMultipart([{ name: 'file', filename: 'big.png', type: 'image/png', data: png }]);
      expect(ok.status).toBe(200);
      expect(ok.json.size).toBe(png.length);
      const download = await fetch(`${api}/files/${ok.json.id}/content`, { headers: { authorization: `Bearer ${alice.token}` } });
      expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(sha256(png));
      expect(download.headers.get('etag')).toBe(`"${sha256(png)}"`);
    });

    it('accepts an empty file', async () => {
      const file = await uploadTestFile(api, alice.token, { name: 'empty.txt', content: '' });
      expect(file).toMatchObject({ size: 0, type: 'text/plain', filename: 'empty.txt' });
      const download = await raw(api, 'GET', `/files/${file.id}/content`, { token: alice.token });
      expect(download.status).toBe(200);
      expect(download.text).toBe('');
    });

    it('sniffs the type from the bytes: a PNG named .pdf is a PNG', async () => {
      const file = await uploadTestFile(api, alice.token, { name: 'report.pdf', type: 'application/pdf', content: pngBytes() });
      expect(file.type).toBe('image/png');
      expect(file.filename).toBe('report.pdf');
    });

    it('does not trust a declared binary type for text content', async () => {
      const file = await uploadTestFile(api, alice.token, { name: 'fake.png', type: 'image/png', content: 'just words' });
      expect(file.type).toBe('text/plain');
    });

    it('uses a declared text type, or the extension, for text content', async () => {
      const csv = await uploadTestFile(api, alice.token, { name: 'data.csv', type: 'text/csv; charset=utf-8', content: 'a,b\n1,2\n' });
      expect(csv.type).toBe('text/csv');
      const code = await uploadTestFile(api, alice.token, { name: 'config.json', type: 'application/octet-stream', content: '{"a":1}' });
      expect(code.type).toBe('application/json');
    });

    it('refuses a type outside the allowed list with 415, storing nothing', async () => {
      const before = await backend.stored();
      const res = await postMultipart([{ name: 'file', filename: 'notes.txt', type: 'text/plain', data: gzipSync('hidden') }]);
      expect(res.status).toBe(415);
      expect(res.json.error).toMatchObject({ code: 'unsupported_media_type', details: { type: 'application/gzip' } });
      expect(await backend.stored()).toEqual(before);
    });

    it('refuses a file over the size limit with 413, storing nothing', async () => {
      const before = await backend.stored();
      const rowsBefore = (await fileRows(alice.user.id)).length;
      const res = await postMultipart([{ name: 'file', filename: 'huge.txt', type: 'text/plain', data: Buffer.alloc(MAX_UPLOAD_BYTES + 1, 'x') }]);
      expect(res.status).toBe(413);
      expect(res.json.error).toMatchObject({ code: 'payload_too_large', details: { limit: MAX_UPLOAD_BYTES } });
      await waitFor(async () => JSON.stringify(await backend.stored()) === JSON.stringify(before), 'the partial upload to be removed');
      expect((await fileRows(alice.user.id)).length).toBe(rowsBefore);
    });

    it('accepts a file of exactly the size limit', async () => {
      const res = await postMultipart([{ name: 'file', filename: 'full.txt', type: 'text/plain', data: Buffer.alloc(MAX_UPLOAD_BYTES, 'y') }]);
      expect(res.status).toBe(200);
      expect(res.json.size).toBe(MAX_UPLOAD_BYTES);
    });

    it.each([
      ['../../etc/passwd', 'passwd'],
      ['..\\..\\windows\\system.ini', 'system.ini'],
      ['/absolute/path/to/secret.txt', 'secret.txt'],
      ['..', 'file'],
      ['invoice\u202Etxt.exe', 'invoicetxt.exe'],
      ['what?<is>*this|.txt', 'what__is__this_.txt'],
      ['CON.txt', '_CON.txt'],
    ])('sanitises the filename %j to %j', async (name, expected) => {
      const res = await postMultipart([{ name: 'file', filename: name, type: 'text/plain', data: 'content' }]);
      expect(res.status).toBe(200);
      expect(res.json.filename).toBe(expected);
      const stored = await backend.stored();
      expect(stored.every((key) => !key.includes('..') && !key.includes('passwd') && !key.includes('secret'))).toBe(true);
    });

    it('strips control characters from a name sent as filename*', async () => {
      const res = await postMultipart([{ name: 'file', filenameStar: 'bell\u0007 and\u0000 nul\r\n.txt', type: 'text/plain', data: 'x' }]);
      expect(res.status).toBe(200);
      expect(res.json.filename).toBe('bell and nul.txt');
    });

    it('shortens a very long name to 255 bytes, keeping the extension', async () => {
      const res = await postMultipart([{ name: 'file', filename: `${'é'.repeat(300)}.md`, type: 'text/markdown', data: '# hi' }]);
      expect(res.status).toBe(200);
      expect(Buffer.byteLength(res.json.filename)).toBeLessThanOrEqual(255);
      expect(res.json.filename).toMatch(/^é+\.md$/);
    });

    it('keeps a non-ASCII name and sends it back per RFC 6266', async () => {
      const file = await uploadTestFile(api, alice.token, { name: 'résumé ü "final".txt', content: 'cv' });
      expect(file.filename).toBe('résumé ü _final_.txt');
      const res = await raw(api, 'GET', `/files/${file.id}/content`, { token: alice.token });
      expect(res.headers.get('content-disposition')).toBe(
        `attachment; filename="r_sum_ _ _final_.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%C3%BC%20_final_.txt`,
      );
    });

    it.each([
      ['no file part at all', [{ name: 'note', data: 'hello' }]],
      ['a text field called file', [{ name: 'file', data: 'not a file' }]],
      ['the file under another name', [{ name: 'upload', filename: 'a.txt', type: 'text/plain', data: 'x' }]],
      [
        'two files',
        [
          { name: 'file', filename: 'a.txt', type: 'text/plain', data: 'a' },
          { name: 'file', filename: 'b.txt', type: 'text/plain', data: 'b' },
        ],
      ],
    ])('answers 400 for %s, storing nothing', async (_name, parts) => {
      const before = await backend.stored();
      const rowsBefore = (await fileRows(alice.user.id)).length;
      const res = await postMultipart(parts as Part[]);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
      await waitFor(async () => JSON.stringify(await backend.stored()) === JSON.stringify(before), 'stored objects to settle');
      expect((await fileRows(alice.user.id)).length).toBe(rowsBefore);
    });

    it('answers 400 for a truncated multipart body', async () => {
      const { body, contentType } = multipart([{ name: 'file', filename: 'a.txt', type: 'text/plain', data: 'abc' }]);
      const res = await raw(api, 'POST', '/files/upload', {
        token: alice.token,
        body: body.subarray(0, body.length - 20),
        headers: { 'content-type': contentType },
      });
      expect(res.status).toBe(400);
    });

    it('answers 400 for a multipart body without a boundary', async () => {
      const res = await raw(api, 'POST', '/files/upload', { token: alice.token, body: 'x', headers: { 'content-type': 'multipart/form-data' } });
      expect(res.status).toBe(400);
    });

    it('answers 415 for a JSON body', async () => {
      const res = await raw(api, 'POST', '/files/upload', { token: alice.token, body: '{"file":"x"}' });
      expect(res.status).toBe(415);
    });

    it('answers 401 without a token, before reading the body', async () => {
      const before = await backend.stored();
      const res = await postMultipart([{ name: 'file', filename: 'a.txt', type: 'text/plain', data: 'anonymous' }], { anonymous: true });
      expect(res.status).toBe(401);
      expect(await backend.stored()).toEqual(before);
    });

    it('leaves no partial file behind when the client aborts mid-upload', async () => {
      const before = await backend.stored();
      const rowsBefore = (await fileRows(alice.user.id)).length;
      let sawTemporary = false;
      await abortedUpload(api, alice.token, {
        declaredBytes: 4 * 1024 * 1024,
        sentBytes: 1024 * 1024,
        whileOpen: async () => {
          // Give the server time to take in what was sent (and, on local disk, start its temporary file).
          await waitFor(async () => {
            sawTemporary = (await backend.stored()).some((key) => key.startsWith('.incoming/'));
            return sawTemporary || backendName === 's3';
          }, 'the upload to start').catch(() => undefined);
          await new Promise((resolve) => setTimeout(resolve, 100));
        },
      });
      if (backendName === 'local') expect(sawTemporary).toBe(true);
      await waitFor(async () => JSON.stringify(await backend.stored()) === JSON.stringify(before), 'the partial upload to be removed');
      expect((await fileRows(alice.user.id)).length).toBe(rowsBefore);
    });
  });

  describe(`downloading (${backendName})`, () => {
    const content = '0123456789abcdefghijklmnopqrstuvwxyz';
    let id: string;
    let etag: string;
    const get = (headers: Record<string, string> = {}, token = alice.token) => raw(api, 'GET', `/files/${id}/content`, { token, headers });

    beforeAll(async () => {
      id = (await uploadTestFile(api, alice.token, { name: 'alphabet.txt', content })).id;
      etag = `"${sha256(Buffer.from(content))}"`;
    });

    it('answers the whole file with its type, length, ETag and disposition', async () => {
      const res = await get();
      expect(res.status).toBe(200);
      expect(res.text).toBe(content);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(res.headers.get('content-length')).toBe(String(content.length));
      expect(res.headers.get('etag')).toBe(etag);
      expect(res.headers.get('accept-ranges')).toBe('bytes');
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="alphabet.txt"');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it('answers through the generated client', async () => {
      const { data, response } = await downloadFile({ client: apiClient(api, alice.token), path: { id }, parseAs: 'text' });
      expect(response.status).toBe(200);
      expect(data).toBe(content);
    });

    it('serves images inline', async () => {
      const png = await uploadTestFile(api, alice.token, { name: 'dot.png', type: 'image/png', content: pngBytes() });
      const res = await raw(api, 'GET', `/files/${png.id}/content`, { token: alice.token });
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(res.headers.get('content-disposition')).toBe('inline; filename="dot.png"');
    });

    it.each([
      ['bytes=0-9', '0123456789', 'bytes 0-9/36'],
      ['bytes=30-', 'uvwxyz', 'bytes 30-35/36'],
      ['bytes=-4', 'wxyz', 'bytes 32-35/36'],
      ['bytes=34-1000', 'yz', 'bytes 34-35/36'],
      ['bytes=-100', content, 'bytes 0-35/36'],
    ])('answers 206 for %s', async (range, body, contentRange) => {
      const res = await get({ range });
      expect(res.status).toBe(206);
      expect(res.text).toBe(body);
      expect(res.headers.get('content-range')).toBe(contentRange);
      expect(res.headers.get('content-length')).toBe(String(body.length));
      expect(res.headers.get('etag')).toBe(etag);
    });

    it.each(['bytes=36-', 'bytes=100-200', 'bytes=-0'])('answers 416 for %s, with the size', async (range) => {
      const res = await get({ range });
      expect(res.status).toBe(416);
      expect(res.json.error.code).toBe('range_not_satisfiable');
      expect(res.headers.get('content-range')).toBe('bytes */36');
    });

    it.each(['bytes=0-1,4-5', 'bytes=9-3', 'items=0-3', 'bytes=abc'])('ignores the unusable range %s and sends the whole file', async (range) => {
      const res = await get({ range });
      expect(res.status).toBe(200);
      expect(res.text).toBe(content);
    });

    it('answers 304 when If-None-Match carries the ETag (weak or strong, in a list)', async () => {
      for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const res = await get({ 'if-none-match': header });
        expect(res.status).toBe(304);
        expect(res.text).toBe('');
        expect(res.headers.get('etag')).toBe(etag);
      }
      const changed = await get({ 'if-none-match': '"something-else"' });
      expect(changed.status).toBe(200);
    });

    it('honours If-Range: a stale validator gets the whole file', async () => {
      const fresh = await get({ range: 'bytes=0-1', 'if-range': etag });
      expect(fresh.status).toBe(206);
      const stale = await get({ range: 'bytes=0-1', 'if-range': '"stale"' });
      expect(stale.status).toBe(200);
      expect(stale.text).toBe(content);
    });

    it('answers 416 for any range of an empty file', async () => {
      const empty = await uploadTestFile(api, alice.token, { name: 'empty.txt', content: '' });
      const res = await raw(api, 'GET', `/files/${empty.id}/content`, { token: alice.token, headers: { range: 'bytes=0-' } });
      expect(res.status).toBe(416);
    });
  });

  describe(`ownership (${backendName})`, () => {
    let file: { id: string };
    beforeAll(async () => {
      file = await uploadTestFile(api, alice.token, { name: 'private.txt', content: 'mine' });
    });

    it('answers 404 to another user on metadata, download and delete, and keeps the file', async () => {
      const client = apiClient(api, bob.token);
      expect((await getFile({ client, path: { id: file.id } })).response.status).toBe(404);
      expect((await downloadFile({ client, path: { id: file.id } })).response.status).toBe(404);
      expect((await deleteFile({ client, path: { id: file.id } })).response.status).toBe(404);
      const still = await raw(api, 'GET', `/files/${file.id}/content`, { token: alice.token });
      expect(still.text).toBe('mine');
    });

    it('answers 404 for unknown and malformed ids, 400 for absurdly long ones', async () => {
      for (const id of ['file_0000000000000000', 'not-a-file-id', 'chat_aaaaaaaaaaaaaaaa']) {
        expect((await raw(api, 'GET', `/files/${id}`, { token: alice.token })).status).toBe(404);
        expect((await raw(api, 'GET', `/files/${id}/content`, { token: alice.token })).status).toBe(404);
        expect((await raw(api, 'DELETE', `/files/${id}`, { token: alice.token })).status).toBe(404);
      }
      expect((await raw(api, 'GET', `/files/${'x'.repeat(65)}`, { token: alice.token })).status).toBe(400);
    });

    it('answers 401 without a token', async () => {
      expect((await raw(api, 'GET', `/files/${file.id}`)).status).toBe(401);
      expect((await raw(api, 'GET', `/files/${file.id}/content`)).status).toBe(401);
      expect((await raw(api, 'DELETE', `/files/${file.id}`)).status).toBe(401);
    });
  });

  describe(`deleting (${backendName})`, () => {
    it('removes the record and the stored bytes', async () => {
      const file = await uploadTestFile(api, alice.token, { name: 'gone.txt', content: 'soon gone' });
      const key = `${alice.user.id}/${file.id}`;
      expect(await backend.stored()).toContain(key);
      const { response } = await deleteFile({ client: apiClient(api, alice.token), path: { id: file.id } });
      expect(response.status).toBe(204);
      expect(await backend.stored()).not.toContain(key);
      expect((await raw(api, 'GET', `/files/${file.id}`, { token: alice.token })).status).toBe(404);
      expect((await raw(api, 'DELETE', `/files/${file.id}`, { token: alice.token })).status).toBe(404);
    });

    it('removes the id from every message\'s attachments, leaving other attachments', async () => {
      const doomed = await uploadTestFile(api, alice.token, { name: 'doomed.txt' });
      const kept = await uploadTestFile(api, alice.token, { name: 'kept.txt' });
      const db = backend.server.context.db;
      const now = new Date();
      const chatId = `chat_${randomBytes(8).toString('hex')}`;
      await db
        .insertInto('chats')
        .values({ id: chatId, user_id: alice.user.id, title: 't', settings: '{"model":"m","temperature":1,"systemMessage":""}', created: now, updated: now })
        .execute();
      const message = (id: string, attachments: string[]) => ({
        id,
        chat_id: chatId,
        user_id: alice.user.id,
        content: 'see attached',
        role: 'user',
        attachments,
        created: now,
        updated: now,
      });
      await db
        .insertInto('messages')
        .values([message('msg_a', [doomed.id, kept.id]), message('msg_b', [doomed.id]), message('msg_c', [kept.id])])
        .execute();
      await deleteFile({ client: apiClient(api, alice.token), path: { id: doomed.id } });
      const rows = await db.selectFrom('messages').select(['id', 'attachments']).where('chat_id', '=', chatId).orderBy('id').execute();
      expect(rows).toEqual([
        { id: 'msg_a', attachments: [kept.id] },
        { id: 'msg_b', attachments: [] },
        { id: 'msg_c', attachments: [kept.id] },
      ]);
    });
  });
}
