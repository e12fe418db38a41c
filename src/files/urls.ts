import type { Request } from 'express';
import type { AppContext } from '../app-context.js';
import type { FileObject } from '../../generated/types.gen.js';
import { fileSize, type FileRow } from './queries.js';

/** T66's own origin as clients reach it: T66_PUBLIC_URL, else the request's scheme and Host. */
export function publicBase(app: AppContext, req: Request): string {
  if (app.config.publicUrl) return app.config.publicUrl.replace(/\/+$/, '');
  const sent = req.get('host');
  // The Host header is the client's to choose; anything but a plain host[:port] is not echoed into links.
  const host = sent && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(sent) ? sent : `${app.config.host}:${app.config.port}`;
  return `${req.protocol}://${host}`;
}

export function fileContentUrl(base: string, id: string): string {
  return `${base}/api/files/${encodeURIComponent(id)}/content`;
}

export function toFileObject(row: FileRow, base: string): FileObject {
  return {
    id: row.id,
    filename: row.filename,
    size: fileSize(row),
    type: row.type,
    url: fileContentUrl(base, row.id),
    created: row.created.toISOString(),
  };
}
