import type { AppContext } from '../app-context.js';
import type { ChatContentPart } from '../../generated/types.gen.js';

export interface AttachmentOptions {
  /** Whether the model accepts image parts. */
  vision: boolean;
  /** Budget for text pulled from text files, in characters. */
  maxTextChars: number;
}

/**
 * Turns file ids (already checked as the caller's) into content parts for a
 * completion: images as image parts for vision models, text files as text.
 * The files area fills this in; until files exist there is nothing to expand.
 */
export async function attachmentParts(
  _app: AppContext,
  _userId: string,
  _fileIds: readonly string[],
  _options: AttachmentOptions,
): Promise<ChatContentPart[]> {
  return [];
}
