/** client.files, client.images and client.search against a running T66. */
import { Readable } from 'node:stream';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, type T66Client } from '../../sdk/js/src/index.js';
import { startFakeSearch, type FakeSearch } from '../support/fakes/fake-search.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { signedUpClient } from './support.js';

let server: TestServer;
let client: T66Client;
let search: FakeSearch;
beforeAll(async () => {
  search = await startFakeSearch();
  server = await startTestServer({ env: { SEARXNG_URL: search.searxngUrl } });
  ({ client } = await signedUpClient(server));
});
afterAll(async () => {
  await search.close();
});

const PNG_HEADER = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const text = (value: string) => new TextEncoder().encode(value);

describe('uploading files from every kind of source', () => {
  it('uploads a Blob/File, keeping its name, and answers the stored metadata', async () => {
    const file = new File(['hello, file'], 'notes.txt', { type: 'text/plain' });
    const stored = await client.files.upload(file);
    expect(stored).toMatchObject({ filename: 'notes.txt', size: 11, type: 'text/plain' });
    expect(stored.id).toMatch(/^file_/);
    expect(await client.files.get(stored.id)).toEqual(stored);
  });

  it('uploads a Node Buffer with a filename and type', async () => {
    const stored = await client.files.upload(Buffer.from('a,b\n1,2\n'), { filename: 'table.csv', contentType: 'text/csv' });
    expect(stored).toMatchObject({ filename: 'table.csv', size: 8, type: 'text/csv' });
  });

  it('streams a web ReadableStream and a Node Readable without buffering them first', async () => {
    const parts = ['first part, ', 'second part, ', 'third part'];
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(text(part));
        controller.close();
      },
    });
    const fromWeb = await client.files.upload(web, { filename: 'web.txt', contentType: 'text/plain' });
    expect(fromWeb.size).toBe(parts.join('').length);
    expect(await (await client.files.download(fromWeb.id)).text()).toBe(parts.join(''));

    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    const fromNode = await client.files.upload(Readable.from([big.subarray(0, 1_000_000), big.subarray(1_000_000)]), {
      filename: 'big "quoted" name.txt',
      contentType: 'text/plain',
    });
    expect(fromNode.size).toBe(big.length);
    expect(fromNode.filename).toContain('big');
  });

  it('lets the server sniff the type from the bytes, whatever the name says', async () => {
    const png = PNG.sync.write(new PNG({ width: 2, height: 2 }));
    const stored = await client.files.upload(png, { filename: 'image.pdf', contentType: 'application/pdf' });
    expect(stored).toMatchObject({ filename: 'image.pdf', type: 'image/png' });
  });
});

describe('downloading', () => {
  it('downloads the bytes, a range, and answers notModified for a matching ETag', async () => {
    const stored = await client.files.upload(new File(['0123456789'], 'digits.txt', { type: 'text/plain' }));
    const whole = await client.files.download(stored.id);
    expect(whole.status).toBe(200);
    expect(whole.filename).toBe('digits.txt');
    expect(new TextDecoder().decode(await whole.bytes())).toBe('0123456789');
    expect(whole.etag).toBeTruthy();

    const range = await client.files.download(stored.id, { range: { start: 2, end: 5 } });
    expect(range.status).toBe(206);
    expect(range.contentRange).toBe('bytes 2-5/10');
    expect(await range.text()).toBe('2345');

    const again = await client.files.download(stored.id, { ifNoneMatch: whole.etag });
    expect(again).toMatchObject({ status: 304, notModified: true, body: null });
  });

  it('deletes a file: later reads answer NotFoundError', async () => {
    const stored = await client.files.upload(new Blob(['bye']), { filename: 'bye.txt' });
    await client.files.delete(stored.id);
    await expect(client.files.get(stored.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.files.download(stored.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers NotFoundError for another user\'s file', async () => {
    const { client: other } = await signedUpClient(server);
    const theirs = await other.files.upload(new Blob(['secret']), { filename: 'secret.txt' });
    await expect(client.files.get(theirs.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('images', () => {
  it('generates an image with the offline model and stores it as one of the caller\'s files', async () => {
    const generated = await client.images.generate({ prompt: 'A beautiful sunset over mountains', model: 'local-image', n: 1 });
    expect(generated.data).toHaveLength(1);
    const fileId = generated.data[0].file_id!;
    const file = await client.files.get(fileId);
    expect(file.type).toBe('image/png');
    const bytes = await (await client.files.download(fileId)).bytes();
    expect(Array.from(bytes.subarray(0, 8))).toEqual(Array.from(PNG_HEADER));
  });
});

describe('web search', () => {
  it('answers results from the configured provider', async () => {
    const found = await client.search.web({ query: 'latest AI developments 2025', num_results: 3 });
    expect(found.query).toBe('latest AI developments 2025');
    expect(found.results).toHaveLength(3);
    expect(found.results[0]).toMatchObject({ url: expect.stringMatching(/^https:\/\//), title: expect.any(String) });
    expect(found.search_time).toBeGreaterThanOrEqual(0);
  });
});
