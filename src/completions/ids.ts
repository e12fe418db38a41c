import { randomUUID } from 'node:crypto';

/**
 * Ids made on every completion (the completion's own, the usage row's).
 * randomUUID draws from a cached entropy pool, so it is much cheaper than
 * newId's randomBytes call on the hot path; both are 122+ random bits.
 */
export function completionId(): string {
  return `chatcmpl-${randomUUID().replaceAll('-', '')}`;
}

export function usageId(): string {
  return `usage_${randomUUID().replaceAll('-', '')}`;
}
