import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import YAML from 'yaml';
import { afterAll } from 'vitest';
import type { DomainEvent } from '../../src/events/types.js';
import { invalidateUserKeys } from '../../src/completions/user-keys.js';
import type { TestServer } from '../support/server.js';

/** The real `openai` SDK pointed at T66, as an app would use it (its own retries off, so each call is one request). */
export function openaiClient(server: TestServer, token: string): OpenAI {
  return new OpenAI({ baseURL: server.api, apiKey: token, maxRetries: 0 });
}

/** Writes a catalogue file (YAML) for T66_MODELS_FILE and removes it after the file's tests. */
export async function catalogueFile(catalogue: object): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 't66-models-'));
  const file = path.join(dir, 'models.yaml');
  await fs.writeFile(file, YAML.stringify(catalogue));
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));
  return file;
}

/** A catalogue entry with the required fields filled in. */
export function model(id: string, provider: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    provider,
    upstream: `${id}-upstream`,
    name: id,
    description: `${id} for tests`,
    context_length: 8192,
    max_output_tokens: 2048,
    pricing: { input: 0.01, output: 0.03 },
    ...extra,
  };
}

/** The user's usage rows, after writing out what the server still buffers. */
export async function usageRows(server: TestServer, userId: string) {
  await server.context.completions.usage.flush();
  return server.context.db.selectFrom('usage').selectAll().where('user_id', '=', userId).orderBy('created').execute();
}

/** Stores provider keys in the user's settings as the records area does (encrypted), and drops the cached ones. */
export async function storeUserKeys(server: TestServer, userId: string, keys: Record<string, string>) {
  const encrypted = Object.fromEntries(Object.entries(keys).map(([p, k]) => [p, server.context.encryptor.encrypt(k)]));
  await server.context.db.updateTable('user_settings').set({ api_keys: JSON.stringify(encrypted) }).where('user_id', '=', userId).execute();
  invalidateUserKeys(userId);
}

/** Everything published on the server's event bus from now on. */
export function publishedEvents(server: TestServer): DomainEvent[] {
  const events: DomainEvent[] = [];
  const unsubscribe = server.context.events.subscribe((event) => events.push(event));
  afterAll(unsubscribe);
  return events;
}

/** One `data:` frame of a stream: a chunk, or the error frame. */
export interface StreamFrame {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: {
    index: number;
    delta: { role?: string; content?: string | null; tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[] };
    finish_reason: string | null;
  }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  error?: { code: string; message: string };
}

export interface RawStream {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed `data:` frames, `[DONE]` left out. */
  frames: StreamFrame[];
  done: boolean;
}

/** A streamed completion read as raw SSE with plain fetch, to see the exact frames, comments and their order. */
export async function rawStream(server: TestServer, token: string, body: object): Promise<RawStream> {
  const res = await fetch(`${server.api}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ stream: true, ...body }),
  });
  const text = await res.text();
  const data = text
    .split('\n\n')
    .flatMap((frame) => frame.split('\n'))
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice(6));
  return {
    status: res.status,
    headers: res.headers,
    text,
    frames: data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as StreamFrame),
    done: data[data.length - 1] === '[DONE]',
  };
}

export const userMessage = (content: string) => [{ role: 'user' as const, content }];
