import http from 'node:http';
import { randomBytes } from 'node:crypto';

export interface Part {
  name: string;
  /** Written as is (UTF-8) into `filename="…"`, so tests can send names a browser would escape. */
  filename?: string;
  /** Sent as RFC 5987 `filename*=UTF-8''…`, which can carry any character. */
  filenameStar?: string;
  type?: string;
  data: string | Uint8Array;
}

/** A multipart/form-data body built by hand, for the cases FormData cannot express. */
export function multipart(parts: Part[]): { body: Buffer; contentType: string } {
  const boundary = `----t66test${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    if (part.filenameStar !== undefined) head += `; filename*=UTF-8''${encodeURIComponent(part.filenameStar)}`;
    head += '\r\n';
    if (part.type) head += `Content-Type: ${part.type}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`, 'utf8'), Buffer.from(part.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * Starts an upload of `declaredBytes` but sends only `sentBytes` of it, then
 * waits for `whileOpen` and cuts the connection, as a client that dies mid-upload.
 */
export async function abortedUpload(
  api: string,
  token: string,
  options: { declaredBytes: number; sentBytes: number; whileOpen: () => Promise<void> },
): Promise<void> {
  const boundary = 'abortedboundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const url = new URL(`${api}/files/upload`);
  const req = http.request(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + options.declaredBytes + tail.length),
    },
  });
  const closed = new Promise<void>((resolve) => {
    req.on('error', () => resolve());
    req.on('close', () => resolve());
  });
  req.write(head);
  req.write(Buffer.alloc(options.sentBytes, 'a'));
  await options.whileOpen();
  req.destroy();
  await closed;
}
