import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateImage, getFile } from '../../generated/sdk.gen.js';
import type { ImageGenerateRequest } from '../../generated/types.gen.js';
import { apiClient, raw } from '../support/client.js';
import { createUser, type TestUser } from '../support/factories.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startFakeImages, type FakeImages } from '../support/fakes/fake-images.js';

let fake: FakeImages;
/** No OpenAI configured: only the offline model works. */
let offline: TestServer;
/** OpenAI pointed at the fake; provider URLs on loopback may be fetched. */
let online: TestServer;
/** OpenAI pointed at the fake, with the SSRF guard at its default. */
let guarded: TestServer;
let users: Map<TestServer, TestUser>;

const HOUSE_MODEL = { id: 'house-sdxl', api_key: 'house-key', sizes: ['768x768'], max_n: 2, max_prompt_chars: 100 };

beforeAll(async () => {
  fake = await startFakeImages();
  const openai = { OPENAI_API_KEY: 'sk-test-images', OPENAI_BASE_URL: fake.baseUrl, T66_IMAGE_TIMEOUT_MS: '500' };
  [offline, online, guarded] = await Promise.all([
    startTestServer(),
    startTestServer({
      env: { ...openai, T66_ALLOW_PRIVATE_URLS: 'true', T66_IMAGE_MODELS: JSON.stringify([{ ...HOUSE_MODEL, base_url: fake.baseUrl }]) },
    }),
    startTestServer({ env: openai }),
  ]);
  users = new Map();
  for (const server of [offline, online, guarded]) users.set(server, await createUser(server.api));
}, 180_000); // several servers: slow on a loaded machine

afterAll(() => fake.close());
beforeEach(() => {
  fake.mode = 'b64';
  fake.requests.length = 0;
});

function generate(server: TestServer, body: ImageGenerateRequest) {
  return generateImage({ client: apiClient(server.api, users.get(server)!.token), body });
}

async function download(server: TestServer, url: string): Promise<Buffer> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${users.get(server)!.token}` } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

async function fileCount(server: TestServer): Promise<number> {
  const rows = await server.context.db.selectFrom('files').select('id').where('user_id', '=', users.get(server)!.user.id).execute();
  return rows.length;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('the offline local-image model', () => {
  it('renders a PNG of the asked size and stores it as the user\'s file', async () => {
    const { data, response } = await generate(offline, { prompt: 'A lighthouse at dusk', model: 'local-image', size: '256x256' });
    expect(response.status).toBe(200);
    expect(data!.data).toHaveLength(1);
    const [image] = data!.data;
    expect(image.url).toBe(`${offline.api}/files/${image.file_id}/content`);
    expect(image.revised_prompt).toBeUndefined();
    const png = PNG.sync.read(await download(offline, image.url));
    expect([png.width, png.height]).toEqual([256, 256]);
    const meta = await getFile({ client: apiClient(offline.api, users.get(offline)!.token), path: { id: image.file_id! } });
    expect(meta.data).toMatchObject({ type: 'image/png', filename: 'a-lighthouse-at-dusk-1.png' });
  });

  it('is deterministic: the same prompt gives the same bytes, another prompt other bytes', async () => {
    const body = { prompt: 'Same prompt', model: 'local-image', size: '256x256' };
    const [a, b, c] = await Promise.all([
      generate(offline, body),
      generate(offline, body),
      generate(offline, { ...body, prompt: 'Other prompt' }),
    ]);
    const [ba, bb, bc] = await Promise.all([a, b, c].map((r) => download(offline, r.data!.data[0].url)));
    expect(sha256(ba)).toBe(sha256(bb));
    expect(sha256(ba)).not.toBe(sha256(bc));
  });

  it('makes n different images', async () => {
    const { data } = await generate(offline, { prompt: 'Three cats', model: 'local-image', size: '256x256', n: 3 });
    expect(data!.data).toHaveLength(3);
    const hashes = await Promise.all(data!.data.map(async (image) => sha256(await download(offline, image.url))));
    expect(new Set(hashes).size).toBe(3);
  });

  it('is the default model when OpenAI is not configured', async () => {
    const { data, response } = await generate(offline, { prompt: 'Defaults' });
    expect(response.status).toBe(200);
    const png = PNG.sync.read(await download(offline, data!.data[0].url));
    expect(png.width).toBe(512);
  });
});

describe('checking a request against its model', () => {
  it.each([
    ['a size dall-e-3 does not make', { model: 'dall-e-3', size: '256x256' }, ['/size']],
    ['n above dall-e-3\'s one image', { model: 'dall-e-3', n: 2 }, ['/n']],
    ['a quality dall-e-2 does not have', { model: 'dall-e-2', quality: 'hd' }, ['/quality']],
    ['a style for a model without styles', { model: 'gpt-image-1', style: 'vivid' }, ['/style']],
    ['a prompt over dall-e-2\'s 1000 characters', { model: 'dall-e-2', prompt: 'x'.repeat(1001) }, ['/prompt']],
    ['several fields at once', { model: 'dall-e-3', size: '1x1', quality: 'ultra', n: 3 }, ['/size', '/quality', '/n']],
    ['a blank prompt', { model: 'local-image', prompt: '   ' }, ['/prompt']],
  ])('answers 400 for %s, naming the field, without calling the provider', async (_name, fields, paths) => {
    const before = await fileCount(online);
    const res = await raw(online.api, 'POST', '/images/generate', {
      token: users.get(online)!.token,
      body: JSON.stringify({ prompt: 'A sunset', ...fields }),
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details.errors.map((e: { path: string }) => e.path).sort()).toEqual([...paths].sort());
    expect(fake.requests).toHaveLength(0);
    expect(await fileCount(online)).toBe(before);
  });

  it('answers 400 for n outside 1-10 (the contract)', async () => {
    const res = await raw(online.api, 'POST', '/images/generate', { token: users.get(online)!.token, body: '{"prompt":"x","n":11}' });
    expect(res.status).toBe(400);
  });

  it('answers 404 for an unknown model', async () => {
    const { response, error } = await generate(online, { prompt: 'x', model: 'dall-e-9' });
    expect(response.status).toBe(404);
    expect(error!.error.message).toContain('dall-e-9');
  });

  it('answers 503 when the model\'s provider is not configured', async () => {
    const { response, error } = await generate(offline, { prompt: 'x', model: 'dall-e-3' });
    expect(response.status).toBe(503);
    expect(error!.error.code).toBe('provider_unavailable');
  });

  it('answers 401 without a token', async () => {
    const res = await raw(online.api, 'POST', '/images/generate', { body: '{"prompt":"x"}' });
    expect(res.status).toBe(401);
  });
});

describe('the OpenAI images API', () => {
  it('sends the request through the SDK and stores the answer, passing revised_prompt through', async () => {
    const { data, response } = await generate(online, { prompt: 'A red fox', model: 'dall-e-3', quality: 'hd', style: 'natural' });
    expect(response.status).toBe(200);
    expect(data!.data[0].revised_prompt).toBe('A red fox, in vivid colours');
    expect(fake.requests).toHaveLength(1);
    const sent = fake.requests[0];
    expect(sent.headers.authorization).toBe('Bearer sk-test-images');
    expect(JSON.parse(sent.body)).toMatchObject({
      model: 'dall-e-3',
      prompt: 'A red fox',
      n: 1,
      size: '1024x1024',
      quality: 'hd',
      style: 'natural',
      response_format: 'b64_json',
    });
    expect((await download(online, data!.data[0].url)).equals(fake.png)).toBe(true);
  });

  it('uses each model\'s defaults, and asks GPT image models for no response_format', async () => {
    const { response } = await generate(online, { prompt: 'A blue whale', model: 'gpt-image-1', n: 2 });
    expect(response.status).toBe(200);
    const sent = JSON.parse(fake.requests[0].body);
    expect(sent).toMatchObject({ model: 'gpt-image-1', n: 2, size: 'auto', quality: 'auto' });
    expect(sent).not.toHaveProperty('response_format');
  });

  it('is the default model family when OpenAI is configured', async () => {
    await generate(online, { prompt: 'Default' });
    expect(JSON.parse(fake.requests[0].body).model).toBe('dall-e-3');
  });

  it('fetches and stores an image the provider answers as a URL', async () => {
    fake.mode = 'url';
    const { data, response } = await generate(online, { prompt: 'Via URL', model: 'dall-e-2', size: '256x256', n: 2 });
    expect(response.status).toBe(200);
    expect(data!.data).toHaveLength(2);
    expect(data!.data[0].url.startsWith(online.api)).toBe(true);
    expect(fake.requests.filter((r) => r.path.startsWith('/generated/'))).toHaveLength(2);
    expect((await download(online, data!.data[1].url)).equals(fake.png)).toBe(true);
  });

  it('refuses to fetch a provider URL on a private address (SSRF guard), storing nothing', async () => {
    fake.mode = 'url';
    const before = await fileCount(guarded);
    const { response, error } = await generate(guarded, { prompt: 'Via URL', model: 'dall-e-2' });
    expect(response.status).toBe(502);
    expect(error!.error.message).toContain('not a public address');
    expect(fake.requests.filter((r) => r.path.startsWith('/generated/'))).toHaveLength(0);
    expect(await fileCount(guarded)).toBe(before);
  });

  it('sends a catalogue model of an OpenAI-compatible server to its own endpoint with its own key', async () => {
    const { response } = await generate(online, { prompt: 'House style', model: 'house-sdxl', n: 2 });
    expect(response.status).toBe(200);
    expect(fake.requests[0].headers.authorization).toBe('Bearer house-key');
    expect(JSON.parse(fake.requests[0].body)).toMatchObject({ model: 'house-sdxl', size: '768x768', n: 2 });
    const tooMany = await generate(online, { prompt: 'House style', model: 'house-sdxl', n: 3 });
    expect(tooMany.response.status).toBe(400);
  });

  it.each([
    ['garbage', 502, 'upstream_error'],
    ['empty', 502, 'upstream_error'],
    ['not-image', 502, 'upstream_error'],
    ['error', 502, 'upstream_error'],
    ['refuse', 400, 'content_policy_violation'],
    ['slow', 504, 'upstream_timeout'],
  ] as const)('answers a provider that is %s with %i %s, storing nothing', async (mode, status, code) => {
    fake.mode = mode;
    fake.slowMs = 1500;
    const before = await fileCount(online);
    const { response, error } = await generate(online, { prompt: 'Trouble', model: 'dall-e-3' });
    expect(response.status).toBe(status);
    expect(error!.error.code).toBe(code);
    expect(await fileCount(online)).toBe(before);
  });
});
