// Load generator for streaming completions: CONCURRENCY workers each open a
// stream, read it to the end, and start the next, for DURATION_MS. It measures
// time to first token (request sent -> first SSE data frame carrying content)
// and the time of the whole stream. Run it pinned to the load-generator CPU.
//
//   node bench/stream-client.mjs '<json {url, headers, body, concurrency, durationMs}>'
// prints one JSON line: {streams, errors, ttft_us: [...], total_us: [...]}
import http from 'node:http';

const job = JSON.parse(process.argv[2]);
const url = new URL(job.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
const body = Buffer.from(job.body);
const headers = { ...job.headers, 'content-type': 'application/json', 'content-length': body.length };

const ttft = [];
const total = [];
const errors = {};
let streams = 0;

function countError(kind) {
  errors[kind] = (errors[kind] ?? 0) + 1;
}

function oneStream() {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    let first = 0n;
    let seenDone = false;
    let tail = '';
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers, agent }, (res) => {
      if (res.statusCode !== 200) {
        countError(`status_${res.statusCode}`);
        res.resume();
        res.on('end', resolve);
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (text) => {
        if (first === 0n) {
          // The first frame with content: cheap text test, no JSON parse per chunk.
          const joined = tail + text;
          if (/data: ?\{[^\n]*"content": ?"[^"]/.test(joined)) first = process.hrtime.bigint();
          else tail = joined.slice(-200);
        }
        if (text.includes('data: [DONE]')) seenDone = true;
      });
      res.on('end', () => {
        const ended = process.hrtime.bigint();
        if (first === 0n || !seenDone) countError(first === 0n ? 'no_content' : 'no_done');
        else {
          streams++;
          ttft.push(Number(first - started) / 1000);
          total.push(Number(ended - started) / 1000);
        }
        resolve();
      });
      res.on('error', () => {
        countError('read');
        resolve();
      });
    });
    req.on('error', () => {
      countError('connect');
      resolve();
    });
    req.end(body);
  });
}

const deadline = Date.now() + job.durationMs;
async function worker() {
  while (Date.now() < deadline) await oneStream();
}
await Promise.all(Array.from({ length: job.concurrency }, worker));
agent.destroy();
process.stdout.write(`${JSON.stringify({ streams, errors, ttft_us: ttft, total_us: total })}\n`);
