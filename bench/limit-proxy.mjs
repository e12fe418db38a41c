// The "limit" of the benchmark: the least a Node.js gateway can do. It passes
// every request to the upstream over kept-alive connections and streams the
// answer back, with no parsing, auth or logging.
//
//   node bench/limit-proxy.mjs --port=0 --upstream=http://127.0.0.1:9000
import http from 'node:http';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const upstream = new URL(args.upstream);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

const server = http.createServer((req, res) => {
  const headers = { ...req.headers, host: upstream.host };
  const out = http.request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
    (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    },
  );
  out.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"upstream failed"}}');
  });
  req.pipe(out);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(args.port ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
