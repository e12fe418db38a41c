import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainViolations, registerServer, unregisterServer } from '../support/contract.js';

// The contract check must be able to fail: a fake "T66" that breaks the spec on purpose.
let origin: string;
let server: http.Server;

const answers: Record<string, { status: number; type?: string; body: string }> = {
  '/api/health': { status: 200, type: 'application/json', body: JSON.stringify({ status: 'ok', version: '1', database: 'pglite' }) },
  '/api/models': { status: 418, type: 'application/json', body: '{}' },
  '/api/auth/login': { status: 200, type: 'application/json', body: JSON.stringify({ user: { id: 1 }, token: 'x' }) },
  '/api/auth/refresh': { status: 200, type: 'text/html', body: '<html></html>' },
  '/api/nowhere': { status: 404, type: 'text/html', body: '<h1>Not found</h1>' },
  '/api/chat/completions': {
    status: 200,
    type: 'text/event-stream',
    body: 'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{}}]}\n\ndata: {"nonsense":true}\n\ndata: [DONE]\n\n',
  },
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const answer = answers[req.url ?? ''] ?? { status: 500, body: '' };
    res.writeHead(answer.status, answer.type ? { 'content-type': answer.type } : {});
    res.end(answer.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  registerServer(origin);
});

afterAll(() => {
  unregisterServer(origin);
  server.close();
});

async function violationsOf(path: string, method = 'GET') {
  await drainViolations();
  const res = await fetch(origin + path, { method });
  await res.text();
  return drainViolations();
}

describe('the contract check', () => {
  it('passes a response that matches the spec', async () => {
    expect(await violationsOf('/api/health')).toEqual([]);
  });
  it('flags an undeclared status', async () => {
    expect((await violationsOf('/api/models')).join()).toMatch(/status 418 is not declared for listModels/);
  });
  it('flags a body that breaks the schema', async () => {
    expect((await violationsOf('/api/auth/login', 'POST')).join()).toMatch(/does not match the spec/);
  });
  it('flags an undeclared content type', async () => {
    expect((await violationsOf('/api/auth/refresh', 'POST')).join()).toMatch(/content-type "text\/html"/);
  });
  it('flags an error outside any operation that is not the envelope', async () => {
    expect((await violationsOf('/api/nowhere')).join()).toMatch(/not the envelope/);
  });
  it('flags an SSE frame that is not a chunk', async () => {
    expect((await violationsOf('/api/chat/completions', 'POST')).join()).toMatch(/matches neither ChatCompletionChunk/);
  });
});
