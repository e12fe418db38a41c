import { fileTypeFromBuffer } from 'file-type';

/** How much of the start of an upload is held back to decide its type. */
export const SNIFF_BYTES = 64 * 1024;

const TEXT_APPLICATION_TYPES = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/yaml',
  'application/x-yaml',
  'application/toml',
  'application/sql',
  'application/x-sh',
  'application/x-httpd-php',
  'application/x-ndjson',
  'application/graphql',
]);

/** Types whose content is text, and so may be named by the client when the bytes carry no signature. */
export function isTextType(type: string): boolean {
  return type.startsWith('text/') || TEXT_APPLICATION_TYPES.has(type) || type.endsWith('+json') || type.endsWith('+xml');
}

const TEXT_BY_EXTENSION: Record<string, string> = {
  txt: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  json: 'application/json',
  xml: 'application/xml',
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  js: 'text/javascript',
  mjs: 'text/javascript',
  cjs: 'text/javascript',
  yaml: 'application/yaml',
  yml: 'application/yaml',
};

/** Control bytes that do not occur in text files (tab, LF, FF, CR and ESC do). */
function isBinaryControl(byte: number): boolean {
  return (byte < 0x20 && byte !== 9 && byte !== 10 && byte !== 12 && byte !== 13 && byte !== 27) || byte === 0x7f;
}

/** UTF-8 without binary control bytes. `complete` says whether `head` is the whole file (else a cut character at the end is fine). */
export function looksLikeText(head: Uint8Array, complete: boolean): boolean {
  if (head.some(isBinaryControl)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}

function baseType(declared: string | undefined): string {
  return (declared ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * The type of an upload from its first bytes. A signature (file-type) wins;
 * text content takes the declared type only when that is a text type, else a
 * text type from the extension; anything else is application/octet-stream.
 */
export async function detectType(head: Uint8Array, complete: boolean, declared: string | undefined, filename: string): Promise<string> {
  const sniffed = await fileTypeFromBuffer(head);
  if (sniffed) return sniffed.mime;
  if (!looksLikeText(head, complete)) return 'application/octet-stream';
  const claimed = baseType(declared);
  if (isTextType(claimed)) return claimed;
  const extension = /\.([a-z0-9]+)$/i.exec(filename)?.[1].toLowerCase() ?? '';
  return TEXT_BY_EXTENSION[extension] ?? 'text/plain';
}
