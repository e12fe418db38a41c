/** `client.files`: upload, metadata, download (with Range and ETag) and delete. */
import { deleteFile, downloadFile, getFile, uploadFile } from './generated/sdk.gen.js';
import type { FileObject, UploadFileErrors, UploadFileResponses } from './generated/types.gen.js';
import { unwrap, unwrapEmpty, type Transport } from './http.js';

/**
 * What `upload` takes. A `File` keeps its name and type. Node's `Buffer` is a `Uint8Array`.
 * Streams (a web `ReadableStream`, or any async iterable of bytes such as Node's
 * `fs.createReadStream()`) are sent as they are read, never held whole in memory; that needs a
 * runtime that can stream a request body (Node 20+, Deno, Bun). In browsers pass a `File` or `Blob`.
 */
export type UploadSource = Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

export interface UploadOptions {
  /** Defaults to the `File`'s name, else `file`. */
  filename?: string;
  /** The declared type; the server sniffs the bytes and trusts a declared type only for text formats. */
  contentType?: string;
  signal?: AbortSignal;
}

export interface DownloadOptions {
  /** One byte range: `{ start, end }` (inclusive; `end` left out means to the end) or a raw `bytes=0-99`. */
  range?: { start: number; end?: number } | string;
  /** An ETag from an earlier download: an unchanged file answers `notModified`. */
  ifNoneMatch?: string;
  signal?: AbortSignal;
}

export interface FileDownload {
  /** 200 whole file, 206 a range, 304 not modified. */
  status: 200 | 206 | 304;
  notModified: boolean;
  etag: string | undefined;
  contentType: string | undefined;
  /** e.g. `bytes 0-99/1024` for a range. */
  contentRange: string | undefined;
  /** The filename from `Content-Disposition`. */
  filename: string | undefined;
  /** The bytes as they arrive; null for 304. Read it once, or use one of the methods below. */
  body: ReadableStream<Uint8Array> | null;
  bytes(): Promise<Uint8Array>;
  blob(): Promise<Blob>;
  text(): Promise<string>;
}

export interface Files {
  upload(source: UploadSource, options?: UploadOptions): Promise<FileObject>;
  get(id: string): Promise<FileObject>;
  delete(id: string): Promise<void>;
  download(id: string, options?: DownloadOptions): Promise<FileDownload>;
}

function isStreamSource(source: UploadSource): source is ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> {
  return (
    (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) ||
    (typeof source === 'object' && source !== null && Symbol.asyncIterator in source)
  );
}

function toBlob(source: Blob | ArrayBuffer | ArrayBufferView, type: string | undefined): Blob {
  if (source instanceof Blob) return type && !source.type ? new Blob([source], { type }) : source;
  const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  // Copied so the Blob owns plain ArrayBuffer memory (a view may sit on a SharedArrayBuffer).
  return new Blob([bytes.slice()], type ? { type } : {});
}

/** The multipart header's filename, escaped as browsers and undici's FormData escape it. */
function escapeFilename(name: string): string {
  return name.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}

function randomBoundary(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `----t66-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** A multipart/form-data body with one `file` part, produced as the source is read. */
function streamingMultipart(source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>, filename: string, type: string) {
  const boundary = randomBoundary();
  const encoder = new TextEncoder();
  const head = encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${escapeFilename(filename)}"\r\n` +
      `Content-Type: ${type}\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const iterable: AsyncIterable<Uint8Array> =
    source instanceof ReadableStream ? readableToIterable(source) : source;
  let iterator: AsyncIterator<Uint8Array> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(head);
    },
    async pull(controller) {
      iterator ??= iterable[Symbol.asyncIterator]();
      const { done, value } = await iterator.next();
      if (done) {
        controller.enqueue(tail);
        controller.close();
      } else if (value.byteLength > 0) {
        controller.enqueue(value instanceof Uint8Array ? value : new Uint8Array(value));
      }
    },
    async cancel(reason) {
      await iterator?.return?.(reason);
    },
  });
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

async function* readableToIterable(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function filenameFromDisposition(header: string | null): string | undefined {
  if (!header) return undefined;
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // fall through to the plain form
    }
  }
  const plain = /filename\s*=\s*"((?:[^"\\]|\\.)*)"|filename\s*=\s*([^;]+)/i.exec(header);
  if (!plain) return undefined;
  return plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2].trim();
}

function rangeHeader(range: DownloadOptions['range']): string | undefined {
  if (range === undefined) return undefined;
  if (typeof range === 'string') return range;
  return `bytes=${range.start}-${range.end ?? ''}`;
}

function toDownload(response: Response): FileDownload {
  const status = response.status as FileDownload['status'];
  const read = () => (status === 304 ? new Response(null) : response);
  return {
    status,
    notModified: status === 304,
    etag: response.headers.get('etag') ?? undefined,
    contentType: response.headers.get('content-type') ?? undefined,
    contentRange: response.headers.get('content-range') ?? undefined,
    filename: filenameFromDisposition(response.headers.get('content-disposition')),
    body: status === 304 ? null : response.body,
    bytes: async () => new Uint8Array(await read().arrayBuffer()),
    blob: () => read().blob(),
    text: () => read().text(),
  };
}

export function createFiles({ client }: Transport): Files {
  return {
    async upload(source, options = {}) {
      const filename = options.filename ?? (typeof File !== 'undefined' && source instanceof File ? source.name : 'file');
      if (!isStreamSource(source)) {
        const blob = toBlob(source, options.contentType);
        const file = new File([blob], filename, { type: options.contentType ?? blob.type });
        return unwrap(uploadFile({ client, body: { file }, signal: options.signal }));
      }
      const { body, contentType } = streamingMultipart(source, filename, options.contentType ?? 'application/octet-stream');
      // The generated uploadFile builds FormData, which cannot stream; send the prepared body through the same client.
      return unwrap(
        client.post<UploadFileResponses, UploadFileErrors>({
          url: '/files/upload',
          security: [{ scheme: 'bearer', type: 'http' }],
          body,
          bodySerializer: null,
          headers: { 'Content-Type': contentType },
          signal: options.signal,
          // fetch needs `duplex` for a streamed request body; TypeScript's RequestInit does not list it yet.
          ...{ duplex: 'half' },
        }),
      );
    },
    get: (id) => unwrap(getFile({ client, path: { id } })),
    delete: (id) => unwrapEmpty(deleteFile({ client, path: { id } })),
    async download(id, options = {}) {
      const headers: Record<string, string> = {};
      const range = rangeHeader(options.range);
      if (range) headers.Range = range;
      if (options.ifNoneMatch) headers['If-None-Match'] = options.ifNoneMatch;
      const result = await downloadFile({ client, path: { id }, headers, parseAs: 'stream', signal: options.signal });
      if (result.response?.status === 304) return toDownload(result.response);
      await unwrap(Promise.resolve(result));
      return toDownload(result.response);
    },
  };
}
