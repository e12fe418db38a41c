import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/http/errors.js';
import { assertFilesOwned } from '../../src/files/ownership.js';
import { attachmentParts } from '../../src/files/attachments.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser, uploadTestFile, type TestUser } from '../support/factories.js';
import { pngBytes } from './file-api.js';

let server: TestServer;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  [alice, bob] = await Promise.all([createUser(server.api), createUser(server.api)]);
});

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('assertFilesOwned', () => {
  it('accepts no ids, and the caller\'s own ids (repeats included)', async () => {
    const a = await uploadTestFile(server.api, alice.token);
    const b = await uploadTestFile(server.api, alice.token);
    await assertFilesOwned(server.context, alice.user.id, []);
    await assertFilesOwned(server.context, alice.user.id, [a.id, b.id, a.id]);
  });

  it('answers 400 naming exactly the ids that are not the caller\'s files', async () => {
    const mine = await uploadTestFile(server.api, alice.token);
    const theirs = await uploadTestFile(server.api, bob.token);
    const err = await refusal(assertFilesOwned(server.context, alice.user.id, [mine.id, theirs.id, 'file_doesnotexist000', 'junk']));
    expect(err.status).toBe(400);
    expect(err.details?.invalid_ids).toEqual([theirs.id, 'file_doesnotexist000', 'junk']);
    expect(err.message).toContain(theirs.id);
    expect(err.message).not.toContain(mine.id);
  });
});

describe('attachmentParts', () => {
  it('passes images to vision models as data: URLs of their bytes', async () => {
    const png = pngBytes(3, 3);
    const image = await uploadTestFile(server.api, alice.token, { name: 'chart.png', type: 'image/png', content: png });
    const parts = await attachmentParts(server.context, alice.user.id, [image.id], { vision: true, maxTextChars: 1000 });
    expect(parts).toHaveLength(1);
    expect(parts[0].type).toBe('image_url');
    const url = parts[0].image_url!.url;
    expect(url.startsWith('data:image/png;base64,')).toBe(true);
    expect(Buffer.from(url.split(',')[1], 'base64').equals(png)).toBe(true);
  });

  it('tells a model without vision that an image was attached', async () => {
    const image = await uploadTestFile(server.api, alice.token, { name: 'chart.png', type: 'image/png', content: pngBytes() });
    const parts = await attachmentParts(server.context, alice.user.id, [image.id], { vision: false, maxTextChars: 1000 });
    expect(parts).toEqual([{ type: 'text', text: expect.stringContaining('"chart.png"') }]);
    expect(parts[0].text).toContain('cannot see images');
  });

  it('includes text files in order, within the character budget', async () => {
    const first = await uploadTestFile(server.api, alice.token, { name: 'a.md', type: 'text/markdown', content: '# Title\nfirst body' });
    const second = await uploadTestFile(server.api, alice.token, { name: 'b.csv', type: 'text/csv', content: 'x,y\n1,2\n3,4\n' });
    const third = await uploadTestFile(server.api, alice.token, { name: 'c.txt', content: 'never shown' });
    const parts = await attachmentParts(server.context, alice.user.id, [first.id, second.id, third.id], { vision: true, maxTextChars: 26 });
    expect(parts.map((p) => p.type)).toEqual(['text', 'text', 'text']);
    expect(parts[0].text).toBe('[Attached file "a.md" (text/markdown)]\n# Title\nfirst body');
    expect(parts[1].text).toBe('[Attached file "b.csv" (text/csv)]\nx,y\n1,2\n\n[truncated to fit the model\'s context]');
    expect(parts[2].text).toContain('omitted');
    expect(parts[2].text).not.toContain('never shown');
  });

  it('cuts a long text file at the budget without reading all of it', async () => {
    const long = await uploadTestFile(server.api, alice.token, { name: 'long.json', type: 'application/json', content: `"${'é'.repeat(5000)}"` });
    const [part] = await attachmentParts(server.context, alice.user.id, [long.id], { vision: false, maxTextChars: 100 });
    expect(part.text).toBe(`[Attached file "long.json" (application/json)]\n"${'é'.repeat(99)}\n[truncated to fit the model's context]`);
  });

  it('notes files the model cannot read, and skips ids that are not the caller\'s', async () => {
    const pdf = await server.context.db
      .insertInto('files')
      .values({ id: 'file_pdfpdfpdfpdfpdfp', user_id: alice.user.id, filename: 'paper.pdf', size: 10, type: 'application/pdf', storage_key: `${alice.user.id}/file_pdfpdfpdfpdfpdfp`, sha256: 'x', created: new Date() })
      .returningAll()
      .executeTakeFirstOrThrow();
    const theirs = await uploadTestFile(server.api, bob.token, { content: 'bob only' });
    const parts = await attachmentParts(server.context, alice.user.id, [pdf.id, theirs.id], { vision: true, maxTextChars: 1000 });
    expect(parts).toEqual([{ type: 'text', text: '[Attached file "paper.pdf" (application/pdf, 10 bytes): this type cannot be read by the model]' }]);
  });
});
