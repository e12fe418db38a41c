const MAX_FILENAME_BYTES = 255;

// C0/C1 controls, and invisible marks that can disguise an extension (bidi overrides, zero-width).
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
// Separators and characters that are not allowed in names on common file systems.
const RESERVED_CHARS = /[<>:"/\\|?*]/g;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

/**
 * A filename safe to store, show and send back: no directories, no control or
 * invisible characters, no reserved characters, no leading dots, at most 255
 * UTF-8 bytes with the extension kept. Never empty.
 */
export function sanitizeFilename(raw: string | undefined): string {
  let name = (raw ?? '').normalize('NFC');
  // Only the last path segment: "../../etc/passwd" and "C:\\x\\y.txt" name a file, not a place.
  name = name.split(/[/\\]/).pop() ?? '';
  name = name.replace(UNSAFE_CHARS, '').replace(RESERVED_CHARS, '_');
  name = name.replace(/\s+/g, ' ').trim().replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (WINDOWS_DEVICE.test(name)) name = `_${name}`;
  name = truncateKeepingExtension(name, MAX_FILENAME_BYTES);
  return name || 'file';
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function truncateKeepingExtension(name: string, maxBytes: number): string {
  if (utf8Length(name) <= maxBytes) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  const stem = Array.from(name.slice(0, name.length - extension.length));
  while (stem.length > 0 && utf8Length(stem.join('') + extension) > maxBytes) stem.pop();
  return (stem.join('').trimEnd() || 'file') + extension;
}

/** RFC 8187 value: UTF-8, percent-encoded except attr-chars. */
function encodeExtValue(text: string): string {
  return encodeURIComponent(text).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * A Content-Disposition header (RFC 6266): a plain ASCII `filename` for old
 * clients, plus `filename*` in UTF-8 when the name is not plain ASCII.
 */
export function contentDisposition(kind: 'inline' | 'attachment', filename: string): string {
  const safe = sanitizeFilename(filename);
  const ascii = safe.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  if (ascii === safe) return `${kind}; filename="${ascii}"`;
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeExtValue(safe)}`;
}
