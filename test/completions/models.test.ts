import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser, type TestUser } from '../support/factories.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakes/fake-openai.js';
import { buildCatalogue, loadCatalogue } from '../../src/models/catalogue.js';
import { catalogueFile, model, openaiClient, storeUserKeys, userMessage } from './support.js';

describe('the built-in catalogue', () => {
  it('offers the local model, OpenAI and Anthropic models with prices and limits', () => {
    const { models } = loadCatalogue({});
    expect(models.get('local-dev')).toMatchObject({ provider: 'local', pricing: { input: 0, output: 0 } });
    for (const id of ['gpt-4', 'gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5', 'claude-haiku-4-5']) {
      const entry = models.get(id)!;
      expect(entry.pricing.input).toBeGreaterThan(0);
      expect(entry.pricing.output).toBeGreaterThan(entry.pricing.input);
      expect(entry.max_output_tokens).toBeGreaterThan(0);
      expect(entry.context_length).toBeGreaterThanOrEqual(entry.max_output_tokens);
    }
  });

  it('counts a provider as configured once it has a key or a base URL', () => {
    const configured = (env: NodeJS.ProcessEnv) =>
      Object.fromEntries([...loadCatalogue(env).providers.values()].map((p) => [p.id, p.configured]));
    expect(configured({})).toEqual({ openai: false, anthropic: false, local: true });
    expect(configured({ OPENAI_API_KEY: 'sk-x', ANTHROPIC_BASE_URL: 'http://127.0.0.1:1' })).toEqual({ openai: true, anthropic: true, local: true });
  });
});

describe('a catalogue file', () => {
  it('reads JSON as well as YAML', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 't66-models-'));
    const file = path.join(dir, 'models.json');
    await fs.writeFile(file, JSON.stringify({ models: [model('only', 'local')] }));
    expect([...loadCatalogue({ T66_MODELS_FILE: file }).models.keys()]).toEqual(['only']);
    await fs.rm(dir, { recursive: true });
  });

  it('names the mistake when it is wrong', () => {
    const build = (input: unknown) => () => buildCatalogue(input, {}, 'models.yaml');
    expect(build({ models: [model('a', 'nowhere')] })).toThrow(/unknown provider "nowhere"/);
    expect(build({ models: [model('a', 'local'), model('a', 'local')] })).toThrow(/listed twice/);
    expect(build({ models: [model('a', 'local', { fallbacks: ['b'] })] })).toThrow(/falls back to "b"/);
    expect(build({ providers: { openai: { base_url: 'http://x' } }, models: [model('a', 'local')] })).toThrow(/built in/);
    expect(build({ models: [{ id: 'a', provider: 'local' }] })).toThrow(/pricing/);
    expect(build({ providers: { p: { base_url: 'ftp://x' } }, models: [model('a', 'p')] })).toThrow(/base_url/);
    expect(() => loadCatalogue({ T66_MODELS_FILE: '/nonexistent/models.yaml' })).toThrow(/cannot be read/);
  });
});

describe('GET /api/models and an extra OpenAI-compatible provider', () => {
  let fake: FakeOpenAI;
  let server: TestServer;
  let alice: TestUser;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    fake.keys.add('ollama-key').add('sk-alice-own');
    const models = await catalogueFile({
      providers: { ollama: { kind: 'openai', base_url: fake.baseUrl, api_key_env: 'OLLAMA_API_KEY' } },
      models: [
        model('llama3', 'ollama', { upstream: 'llama3.1:8b', pricing: { input: 0, output: 0 } }),
        model('gpt-4o', 'openai'),
        model('local-dev', 'local', { upstream: 'local-dev' }),
      ],
    });
    // OpenAI has neither key nor base URL here: only users with their own key can use gpt-4o.
    server = await startTestServer({ env: { T66_MODELS_FILE: models, OLLAMA_API_KEY: 'ollama-key' } });
    alice = await createUser(server.api);
  });
  afterAll(() => fake.close());

  it('lists the models whose provider is usable, in the contract shape', async () => {
    const list = await openaiClient(server, alice.token).models.list();
    expect(list.data).toEqual([
      { id: 'llama3', object: 'model', provider: 'ollama', name: 'llama3', description: 'llama3 for tests', context_length: 8192, pricing: { input: 0, output: 0 } },
      expect.objectContaining({ id: 'local-dev', provider: 'local' }),
    ]);
  });

  it('serves the extra provider through its base URL, its upstream model name and the key from api_key_env', async () => {
    const answer = await openaiClient(server, alice.token).chat.completions.create({ model: 'llama3', messages: userMessage('Hi') });
    expect(answer.model).toBe('llama3');
    expect(fake.calls[fake.calls.length - 1]).toMatchObject({ headers: { authorization: 'Bearer ollama-key' }, body: { model: 'llama3.1:8b' } });
  });

  it("lists a provider's models to a user who stored a key for it, and only to that user", async () => {
    const bob = await createUser(server.api);
    await storeUserKeys(server, alice.user.id, { openai: 'sk-alice-own' });
    const ids = async (user: TestUser) => (await openaiClient(server, user.token).models.list()).data.map((m) => m.id);
    expect(await ids(alice)).toContain('gpt-4o');
    expect(await ids(bob)).not.toContain('gpt-4o');
    const err = await openaiClient(server, bob.token).chat.completions.create({ model: 'gpt-4o', messages: userMessage('Hi') }).catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
  });
});
