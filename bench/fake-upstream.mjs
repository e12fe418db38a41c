// A fast OpenAI-compatible upstream for the benchmark. It answers
// POST /v1/chat/completions with a fixed completion, or with `stream: true` an
// SSE stream of CHUNKS chunks, the first sent at once and the rest every
// DELAY_MS. Answers are prebuilt so that this process is never the bottleneck.
//
//   node bench/fake-upstream.mjs --port=0 --chunks=20 --delay-ms=5
// prints `listening <port>` on stdout once ready.
import http from 'node:http';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [key, value = 'true'] = a.replace(/^--/, '').split('=');
    return [key, value];
  }),
);
const port = Number(args.port ?? 0);
const chunks = Number(args.chunks ?? 20);
const delayMs = Number(args['delay-ms'] ?? 5);
const created = Math.floor(Date.now() / 1000);

const completionBody = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the bench upstream.' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
  }),
);

function chunk(delta, finishReason = null, extra = {}) {
  const body = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra };
  return Buffer.from(`data: ${JSON.stringify(body)}\n\n`);
}

// The first frame carries the role and the first token, so time to first token is time to first frame.
const streamFrames = [chunk({ role: 'assistant', content: 'tok0 ' })];
for (let i = 1; i < chunks; i++) streamFrames.push(chunk({ content: `tok${i} ` }));
const finalFrame = chunk({}, 'stop');
const usageFrame = Buffer.from(
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 12, completion_tokens: chunks, total_tokens: 12 + chunks } })}\n\n`,
);
const doneFrame = Buffer.from('data: [DONE]\n\n');

const modelsBody = Buffer.from(
  JSON.stringify({ object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created, owned_by: 'bench' }] }),
);

function stream(res, includeUsage) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let i = 0;
  const next = () => {
    if (res.destroyed) return;
    if (i < streamFrames.length) {
      res.write(streamFrames[i++]);
      if (i < streamFrames.length) return void setTimeout(next, delayMs);
      return next();
    }
    res.write(finalFrame);
    if (includeUsage) res.write(usageFrame);
    res.end(doneFrame);
  };
  next();
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url.endsWith('/models')) {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': modelsBody.length });
    return void res.end(modelsBody);
  }
  if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
    res.writeHead(404, { 'content-type': 'application/json' });
    return void res.end('{"error":{"message":"not found","type":"invalid_request_error"}}');
  }
  const parts = [];
  req.on('data', (part) => parts.push(part));
  req.on('end', () => {
    const raw = Buffer.concat(parts);
    // Cheap check first: only parse when the body mentions streaming at all.
    let streamed = false;
    let includeUsage = false;
    if (raw.includes('"stream"')) {
      try {
        const body = JSON.parse(raw.toString('utf8'));
        streamed = body.stream === true;
        includeUsage = body.stream_options?.include_usage === true;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        return void res.end('{"error":{"message":"invalid JSON","type":"invalid_request_error"}}');
      }
    }
    if (streamed) return stream(res, includeUsage);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': completionBody.length });
    res.end(completionBody);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
