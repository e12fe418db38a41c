import path from 'node:path';

/** Everything the server reads from its environment, parsed once at start. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  jwtSecret: string | undefined;
  jwtTtlSeconds: number;
  logLevel: string;
  maxJsonBytes: number;
  /** Public base URL used in links the API answers (file URLs). */
  publicUrl: string | undefined;
  argon2MemoryKib: number;
  trustProxy: string | undefined;
  /** PostgreSQL's shared_buffers inside the embedded PGlite (e.g. `16MB`). */
  pgliteSharedBuffers: string;
  env: NodeJS.ProcessEnv;
}

export function parseDuration(value: string, name: string): number {
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(value.trim());
  if (!match) throw new Error(`${name} must be a number of seconds or like 15m, 24h, 7d (got "${value}")`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

export function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer (got "${raw}")`);
  return value;
}

/** A PostgreSQL memory setting such as 16MB or 512kB; anything else is refused, as it becomes a server parameter. */
function memorySize(value: string, name: string): string {
  if (!/^\d+(kB|MB|GB)$/.test(value)) throw new Error(`${name} must look like 16MB, 512kB or 1GB (got "${value}")`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: intFromEnv(env, 'PORT', 8090),
    host: env.HOST || '127.0.0.1',
    dataDir: path.resolve(env.T66_DATA_DIR || './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    jwtSecret: env.JWT_SECRET || undefined,
    jwtTtlSeconds: parseDuration(env.JWT_TTL || '24h', 'JWT_TTL'),
    logLevel: env.LOG_LEVEL || 'info',
    maxJsonBytes: intFromEnv(env, 'T66_MAX_JSON_BYTES', 10 * 1024 * 1024),
    publicUrl: env.T66_PUBLIC_URL || undefined,
    argon2MemoryKib: intFromEnv(env, 'T66_ARGON2_MEMORY_KIB', 19456),
    trustProxy: env.T66_TRUST_PROXY || undefined,
    pgliteSharedBuffers: memorySize(env.T66_PGLITE_SHARED_BUFFERS || '16MB', 'T66_PGLITE_SHARED_BUFFERS'),
    env,
  };
}
