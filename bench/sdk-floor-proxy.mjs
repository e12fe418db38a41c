// The floor for a gateway that calls its provider through the official openai
// SDK, as T66 does: node:http in, JSON.parse, chat.completions.create() over
// T66's own keep-alive transport (dist/src/providers/http-fetch.js), the answer
// out as JSON or as SSE frames. No auth, validation, limits, logging or
// accounting. T66 minus this is what T66's own features cost.
//
//   node bench/sdk-floor-proxy.mjs --port=0 --upstream=http://127.0.0.1:9000
import http from 'node:http';
import OpenAI from 'openai';
import { httpFetch } from '../dist/src/providers/http-fetch.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const client = new OpenAI({ baseURL: `${args.upstream}/v1`, apiKey: 'bench', maxRetries: 0, fetch: httpFetch });

async function answer(req, res) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  if (!body.stream) {
    const completion = await client.chat.completions.create(body);
    const text = JSON.stringify(completion);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  const stream = await client.chat.completions.create(body);
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for await (const chunk of stream) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  res.end('data: [DONE]\n\n');
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST') return void res.end('ok'); // the bench's readiness probe
  answer(req, res).catch(() => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"upstream failed"}}');
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(args.port ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
