import path from 'node:path';
import { intFromEnv } from '../config.js';
import type { FileStorage } from './storage/types.js';
import { createLocalStorage } from './storage/local.js';

/** What the files area needs at run time, built once at start from the environment. */
export interface FilesRuntime {
  storage: FileStorage;
  maxUploadBytes: number;
  /** Exact types (`image/png`) or patterns (`text/*`, `application/vnd.openxmlformats-officedocument.*`, `*`). */
  allowedTypes: string[];
}

export const DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

export const DEFAULT_ALLOWED_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/*',
  'application/json',
  'application/xml',
  'application/vnd.openxmlformats-officedocument.*',
];

export async function createFilesRuntime(env: NodeJS.ProcessEnv, dataDir: string): Promise<FilesRuntime> {
  const allowed = (env.T66_ALLOWED_UPLOAD_TYPES ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  return {
    storage: await createStorage(env, dataDir),
    maxUploadBytes: intFromEnv(env, 'T66_MAX_UPLOAD_BYTES', DEFAULT_MAX_UPLOAD_BYTES),
    allowedTypes: allowed.length > 0 ? allowed : DEFAULT_ALLOWED_TYPES,
  };
}

async function createStorage(env: NodeJS.ProcessEnv, dataDir: string): Promise<FileStorage> {
  if (env.T66_S3_BUCKET) {
    // Imported only when configured: the AWS SDK holds ~20 MB that a server on local disk never needs.
    const { createS3Storage } = await import('./storage/s3.js');
    return createS3Storage({
      bucket: env.T66_S3_BUCKET,
      endpoint: env.T66_S3_ENDPOINT || undefined,
      region: env.T66_S3_REGION || env.AWS_REGION || 'us-east-1',
      accessKeyId: env.T66_S3_ACCESS_KEY_ID || undefined,
      secretAccessKey: env.T66_S3_SECRET_ACCESS_KEY || undefined,
      forcePathStyle: env.T66_S3_FORCE_PATH_STYLE === 'true',
    });
  }
  return createLocalStorage(path.resolve(env.T66_FILES_DIR || path.join(dataDir, 'files')));
}

export function typeAllowed(type: string, allowed: readonly string[]): boolean {
  return allowed.some((pattern) => {
    if (pattern === '*' || pattern === '*/*') return true;
    if (pattern.endsWith('*')) return type.startsWith(pattern.slice(0, -1));
    return type === pattern;
  });
}
