import type { Readable } from 'node:stream';

/** Inclusive byte offsets, as in an HTTP Range. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where file bytes live. Keys are T66's own (`<user id>/<file id>`), never a
 * client's filename. A write either stores the whole stream or nothing: a
 * failed or interrupted write leaves no object behind.
 */
export interface FileStorage {
  readonly kind: 'local' | 's3';
  write(key: string, body: Readable, contentType: string): Promise<void>;
  /** Opens the object, or a range of it, for reading. Throws StoredObjectMissing when there is none. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** Removes the object; removing one that is already gone is not an error. */
  remove(key: string): Promise<void>;
}

export class StoredObjectMissing extends Error {
  constructor(key: string) {
    super(`no stored object under ${key}`);
  }
}

const KEY = /^[a-z0-9_]{1,64}\/[a-z0-9_]{1,64}$/;

/** Keys come from ids only; checking the shape keeps a bug from ever reaching outside the storage root. */
export function assertStorageKey(key: string): void {
  if (!KEY.test(key)) throw new Error(`refusing storage key ${JSON.stringify(key)}`);
}
