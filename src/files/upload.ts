import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { ApiError, badRequest } from '../http/errors.js';
import type { FilesRuntime } from './settings.js';
import { typeAllowed } from './settings.js';
import { SNIFF_BYTES, detectType } from './sniff.js';
import { sanitizeFilename } from './filenames.js';

/** An upload that is now wholly in storage under `key`. */
export interface ReceivedUpload {
  key: string;
  filename: string;
  type: string;
  size: number;
  sha256: string;
}

/** A storage backend failed while the client's bytes were fine: a server fault, not bad input. */
class StorageFailure extends Error {
  constructor(readonly failure: unknown) {
    super('storing the upload failed');
  }
}

/** The client's stream broke off or was malformed part-way. */
class UploadInterrupted extends Error {}

export function payloadTooLarge(limit: number): ApiError {
  return new ApiError(413, 'payload_too_large', `The file is larger than the limit of ${limit} bytes`, { limit });
}

/**
 * openapi-backend never reads multipart bodies. This gives the validator an
 * (empty) object to check, so the route reaches the handler, which reads the
 * body itself after authentication: an unauthenticated client never gets a
 * byte into storage.
 */
export const multipartPlaceholder: RequestHandler = (req, _res, next) => {
  if (req.is('multipart/form-data') && req.body === undefined) req.body = {};
  next();
};

/** Reads the first `limit` bytes of a stream, leaving the rest unread. */
function readHead(stream: Readable, limit: number): Promise<{ head: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const settle = (fn: () => void) => {
      stream.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      fn();
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= limit) {
        stream.pause();
        settle(() => resolve({ head: Buffer.concat(chunks), ended: false }));
      }
    };
    const onEnd = () => settle(() => resolve({ head: Buffer.concat(chunks), ended: true }));
    const onError = (err: Error) => settle(() => reject(new UploadInterrupted(err.message)));
    const onClose = () => settle(() => reject(new UploadInterrupted('the upload ended early')));
    stream.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * Streams one file into storage: sniffs its type from the first bytes,
 * refuses disallowed types (415) and oversized files (413) without storing
 * them, and hashes and counts the bytes on the way through.
 */
async function storeStream(
  files: FilesRuntime,
  key: string,
  source: Readable,
  declaredType: string,
  filename: string,
): Promise<ReceivedUpload> {
  const { head, ended } = await readHead(source, SNIFF_BYTES);
  const type = await detectType(head, ended, declaredType, filename);
  if (!typeAllowed(type, files.allowedTypes)) {
    throw new ApiError(415, 'unsupported_media_type', `Files of type ${type} are not accepted`, {
      type,
      accepted: files.allowedTypes,
    });
  }
  const hash = createHash('sha256');
  let size = 0;
  let clientFault: Error | undefined;
  const take = (chunk: Buffer) => {
    size += chunk.length;
    if (size > files.maxUploadBytes) throw (clientFault = payloadTooLarge(files.maxUploadBytes));
    hash.update(chunk);
    return chunk;
  };
  async function* counted() {
    yield take(head);
    if (ended) return;
    try {
      for await (const chunk of source) yield take(chunk as Buffer);
    } catch (err) {
      throw (clientFault ??= new UploadInterrupted((err as Error).message));
    }
  }
  try {
    await files.storage.write(key, Readable.from(counted(), { objectMode: false }), type);
  } catch (err) {
    throw clientFault ?? new StorageFailure(err);
  }
  return { key, filename, type, size, sha256: hash.digest('hex') };
}

function engineFor(files: FilesRuntime, key: string, done: (upload: ReceivedUpload) => void): multer.StorageEngine {
  return {
    _handleFile(_req, file, callback) {
      const filename = sanitizeFilename(file.originalname);
      storeStream(files, key, file.stream, file.mimetype, filename).then(
        (upload) => {
          done(upload);
          callback(null, { path: key, size: upload.size });
        },
        (err: unknown) => callback(err),
      );
    },
    _removeFile(_req, _file, callback) {
      files.storage.remove(key).then(
        () => callback(null),
        (err: unknown) => callback(err as Error),
      );
    },
  };
}

/** Multer's and busboy's complaints, in the envelope. */
function toApiError(err: unknown, files: FilesRuntime): unknown {
  if (err instanceof ApiError) return err;
  if (err instanceof StorageFailure) return err.failure;
  if (err instanceof multer.MulterError) {
    switch (err.code) {
      case 'LIMIT_FILE_SIZE':
        return payloadTooLarge(files.maxUploadBytes);
      case 'LIMIT_UNEXPECTED_FILE':
        return badRequest(`Send exactly one file, in the field "file" (got a file in "${err.field ?? ''}")`, {
          errors: [{ path: `/${err.field ?? ''}`, message: 'is not expected: send one file in the field "file"' }],
        });
      default:
        return badRequest(`The multipart body was refused: ${err.message}`, { reason: err.code });
    }
  }
  // Anything else came from busboy reading the body: malformed, or cut short.
  return badRequest(`The multipart body could not be read: ${(err as Error).message}`);
}

/**
 * Reads a multipart/form-data upload with one file in the field `file` into
 * storage under `key`. Answers the stored upload, or throws an ApiError
 * (400 no file or malformed body, 413 too large, 415 refused type); a failed
 * upload leaves nothing in storage.
 */
export async function receiveUpload(files: FilesRuntime, key: string, req: Request, res: Response): Promise<ReceivedUpload> {
  let received: ReceivedUpload | undefined;
  const parse = multer({
    storage: engineFor(files, key, (upload) => (received = upload)),
    // Browsers send filenames as raw UTF-8; busboy would read them as latin1.
    defParamCharset: 'utf8',
    // The whole name as sent: sanitizeFilename keeps only its last segment, and busboy would drop ".." entirely.
    preservePath: true,
    limits: { fileSize: files.maxUploadBytes, files: 1, fields: 20, parts: 21, fieldSize: 64 * 1024, headerPairs: 100 },
  }).single('file');
  await new Promise<void>((resolve, reject) => {
    parse(req, res, (err: unknown) => (err ? reject(toApiError(err, files)) : resolve()));
  });
  if (!received || !req.file) {
    throw badRequest('The request has no file: send multipart/form-data with the file in the field "file"', {
      missing_fields: ['file'],
      errors: [{ path: '/file', message: 'is required' }],
    });
  }
  return received;
}
