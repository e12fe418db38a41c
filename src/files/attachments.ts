import type { Readable } from 'node:stream';
import type { AppContext } from '../app-context.js';
import type { ChatContentPart } from '../../generated/types.gen.js';
import { fileSize, findOwnedFiles, type FileRow } from './queries.js';
import { isTextType } from './sniff.js';
import { StoredObjectMissing } from './storage/types.js';

export interface AttachmentOptions {
  /** Whether the model accepts image parts. */
  vision: boolean;
  /** Budget for text pulled from text files, in characters. */
  maxTextChars: number;
}

/** Image types vision models take as `image_url` parts. */
export const VISION_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
/** Providers refuse larger inline images (OpenAI's limit is 20 MB). */
const MAX_INLINE_IMAGE_BYTES = 20 * 1024 * 1024;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function describe(row: FileRow): string {
  return `"${row.filename}" (${row.type}, ${fileSize(row)} bytes)`;
}

const note = (text: string): ChatContentPart => ({ type: 'text', text });

async function imagePart(app: AppContext, row: FileRow, vision: boolean): Promise<ChatContentPart> {
  if (!vision) return note(`[Attached image ${describe(row)}: this model cannot see images]`);
  if (fileSize(row) > MAX_INLINE_IMAGE_BYTES) return note(`[Attached image ${describe(row)}: too large to send to the model]`);
  const bytes = await readAll(await app.files.storage.read(row.storage_key));
  return { type: 'image_url', image_url: { url: `data:${row.type};base64,${bytes.toString('base64')}` } };
}

/** Up to `maxChars` characters of a text file, reading no more bytes than that can take. */
async function textHead(app: AppContext, row: FileRow, maxChars: number): Promise<{ text: string; complete: boolean }> {
  const size = fileSize(row);
  if (size === 0 || maxChars === 0) return { text: '', complete: size === 0 };
  const maxBytes = maxChars * 4;
  const bytes = await readAll(await app.files.storage.read(row.storage_key, size > maxBytes ? { start: 0, end: maxBytes - 1 } : undefined));
  const decoded = new TextDecoder('utf-8').decode(bytes, { stream: size > bytes.length });
  const chars = Array.from(decoded);
  return { text: chars.slice(0, maxChars).join(''), complete: size <= bytes.length && chars.length <= maxChars };
}

/**
 * Turns file ids (already checked as the caller's) into content parts for a
 * completion: images as `image_url` parts with `data:` URLs for vision models
 * (a short note otherwise), text files as text within `maxTextChars` in all,
 * and a note for anything the model cannot read. Ids no longer there are skipped.
 */
export async function attachmentParts(
  app: AppContext,
  userId: string,
  fileIds: readonly string[],
  options: AttachmentOptions,
): Promise<ChatContentPart[]> {
  const ids = [...new Set(fileIds)];
  const byId = new Map((await findOwnedFiles(app.db, userId, ids)).map((row) => [row.id, row]));
  const rows = ids.map((id) => byId.get(id)).filter((row): row is FileRow => row !== undefined);
  // Read every file at once; the text budget is then spent in attachment order.
  type Read = { row: FileRow; part: ChatContentPart } | { row: FileRow; head: { text: string; complete: boolean } };
  const reads = rows.map(async (row): Promise<Read> => {
    try {
      if (VISION_IMAGE_TYPES.has(row.type)) return { row, part: await imagePart(app, row, options.vision) };
      if (isTextType(row.type)) return { row, head: await textHead(app, row, options.maxTextChars) };
      return { row, part: note(`[Attached file ${describe(row)}: this type cannot be read by the model]`) };
    } catch (err) {
      if (err instanceof StoredObjectMissing) return { row, part: note(`[Attached file ${describe(row)}: its content is missing]`) };
      throw err;
    }
  });
  let budget = options.maxTextChars;
  const parts: ChatContentPart[] = [];
  for (const read of await Promise.all(reads)) {
    if ('part' in read) {
      parts.push(read.part);
      continue;
    }
    const { head } = read;
    const label = `[Attached file "${read.row.filename}" (${read.row.type})]`;
    if (budget <= 0 && fileSize(read.row) > 0) {
      parts.push(note(`${label} omitted: no room left in the model's context`));
      continue;
    }
    const chars = Array.from(head.text);
    const shown = chars.slice(0, budget).join('');
    budget -= chars.length > budget ? budget : chars.length;
    const truncated = !head.complete || chars.length > shown.length;
    parts.push(note(`${label}\n${shown}${truncated ? '\n[truncated to fit the model\'s context]' : ''}`));
  }
  return parts;
}
