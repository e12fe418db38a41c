import pino from 'pino';
import { rateLimits } from './src/ratelimit/limiters.js';
import { loadRateLimitConfig } from './src/ratelimit/config.js';
import { createTokenService } from './src/auth/tokens.js';
import { withVerifiedTokenCache } from './src/auth/verified-cache.js';
import type { AppContext } from './src/app-context.js';

const raw = createTokenService(new TextEncoder().encode('x'.repeat(64)), 3600);
const { token } = await raw.issue('user_x');
for (const mode of ['cache', 'nocache', 'cache', 'nocache']) {
  const tokens = mode === 'nocache' ? raw : withVerifiedTokenCache(raw);
  const app = { tokens, revocations: { isRevoked: () => false }, log: pino({ level: 'silent' }) } as unknown as AppContext;
  const router = rateLimits(app, loadRateLimitConfig({ T66_RATE_LIMIT_COMPLETIONS: '1000000000/1m' }), undefined);
  const run = (n: number) => new Promise<void>((resolve) => {
    let i = 0;
    const step = () => {
      if (i++ >= n) return resolve();
      const headers: Record<string, string> = {};
      const req = { method: 'POST', url: '/api/chat/completions', originalUrl: '/api/chat/completions', headers: { authorization: `Bearer ${token}` }, ip: '127.0.0.1', socket: {}, app: { get: () => false }, body: {} } as never;
      const res = { headersSent: false, setHeader: (k: string, v: string) => { headers[k] = v; }, getHeader: (k: string) => headers[k], once() {}, on() {} } as never;
      (router as unknown as (a: unknown, b: unknown, c: (err?: unknown) => void) => void)(req, res, (err) => { if (err) throw err; setImmediate(step); });
    };
    step();
  });
  await run(2000);
  const n = 20000;
  const c = process.cpuUsage();
  const t = performance.now();
  await run(n);
  const u = process.cpuUsage(c);
  const wall = performance.now() - t;
  // subtract the setImmediate loop baseline separately
  console.log(mode, 'cpu us/req', ((u.user + u.system) / n).toFixed(1), 'wall us/req', (wall * 1000 / n).toFixed(1));
}
// baseline loop cost
{
  const n = 20000; const c = process.cpuUsage();
  await new Promise<void>((resolve) => { let i = 0; const step = () => { if (i++ >= n) return resolve(); setImmediate(step); }; step(); });
  const u = process.cpuUsage(c); console.log('loop baseline cpu us/iter', ((u.user + u.system) / n).toFixed(1));
}
