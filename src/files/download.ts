import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { ApiError } from '../http/errors.js';
import type { ByteRange, FileStorage } from './storage/types.js';
import { contentDisposition } from './filenames.js';
import { isTextType } from './sniff.js';
import { fileSize, type FileRow } from './queries.js';

export type RangeChoice = { kind: 'whole' } | { kind: 'part'; range: ByteRange } | { kind: 'unsatisfiable' };

/**
 * One `bytes=` range against a file of `size` bytes (RFC 9110 §14). A header
 * that is malformed, or asks for several ranges, is ignored and the whole file
 * is sent, as the RFC allows.
 */
export function chooseRange(header: string | undefined, size: number): RangeChoice {
  const match = header === undefined ? null : /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'whole' };
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(match[1]);
  const last = match[2] === '' ? Infinity : Number(match[2]);
  if (last < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'part', range: { start, end: Math.min(last, size - 1) } };
}

/** If-None-Match uses the weak comparison: `W/` is ignored, `*` matches anything. */
export function etagListMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}

const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/**
 * Sends a stored file: 304 when the client's ETag matches, 206 for one
 * satisfiable range (If-Range honoured), 416 for an unsatisfiable one, else 200.
 */
export async function sendStoredFile(storage: FileStorage, row: FileRow, req: Request, res: Response): Promise<void> {
  const size = fileSize(row);
  const etag = `"${row.sha256}"`;
  const common: Record<string, string> = {
    ETag: etag,
    'Cache-Control': 'private, no-cache',
    'Accept-Ranges': 'bytes',
    'X-Content-Type-Options': 'nosniff',
    // Stored HTML or SVG opened directly must not run script with T66's origin.
    'Content-Security-Policy': "default-src 'none'; sandbox",
  };
  if (etagListMatches(req.get('if-none-match'), etag)) {
    res.status(304).set(common).end();
    return;
  }
  const ifRange = req.get('if-range');
  const choice = ifRange !== undefined && ifRange.trim() !== etag ? { kind: 'whole' as const } : chooseRange(req.get('range'), size);
  if (choice.kind === 'unsatisfiable') {
    throw new ApiError(416, 'range_not_satisfiable', `The requested range is outside the file (${size} bytes)`, { size }, {
      ...common,
      'Content-Range': `bytes */${size}`,
    });
  }
  const range = choice.kind === 'part' ? choice.range : undefined;
  const stream = await storage.read(row.storage_key, range);
  res.status(range ? 206 : 200).set({
    ...common,
    'Content-Type': isTextType(row.type) ? `${row.type}; charset=utf-8` : row.type,
    'Content-Length': String(range ? range.end - range.start + 1 : size),
    'Content-Disposition': contentDisposition(INLINE_TYPES.has(row.type) ? 'inline' : 'attachment', row.filename),
    ...(range ? { 'Content-Range': `bytes ${range.start}-${range.end}/${size}` } : {}),
  });
  try {
    await pipeline(stream, res);
  } catch {
    // The client went away, or storage broke mid-stream; the response is cut short either way.
    res.destroy();
  }
}
