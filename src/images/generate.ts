import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import type { AppContext } from '../app-context.js';
import { ApiError, notFound } from '../http/errors.js';
import { newId } from '../db/ids.js';
import { guardedRequest, OutboundTimeoutError, ResponseTooLargeError, UnsafeUrlError } from '../net/ssrf.js';
import type { ImageGenerateRequest } from '../../generated/types.gen.js';
import { recordStoredFile, storageKey } from '../files/stored.js';
import { deleteOwnedFile, type FileRow } from '../files/queries.js';
import type { ImageModel } from './catalogue.js';
import { checkAgainstModel, type ImageJob } from './validate.js';
import { generateLocally } from './providers/local.js';
import { generateWithOpenAI, openaiModelConfigured } from './providers/openai.js';
import type { ProviderImage } from './providers/types.js';

const IMAGE_TYPES: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif' };

export interface GeneratedFile {
  row: FileRow;
  revisedPrompt: string | undefined;
}

function modelFor(app: AppContext, requested: string | undefined): ImageModel {
  const id = requested ?? app.images.defaultModel;
  const model = app.images.models.get(id);
  if (!model) throw notFound(`No image model named ${id}; known: ${[...app.images.models.keys()].join(', ')}`);
  if (model.provider === 'openai' && !openaiModelConfigured(app.images, model)) {
    throw new ApiError(503, 'provider_unavailable', `${model.id} needs OPENAI_API_KEY, which is not configured`);
  }
  return model;
}

const upstream = (message: string) => new ApiError(502, 'upstream_error', message);

/** A provider's image URL is fetched once, through the SSRF guard, because such URLs expire. */
async function fetchProviderImage(app: AppContext, url: string): Promise<Buffer> {
  try {
    const response = await guardedRequest(
      url,
      { timeoutMs: app.images.timeoutMs, maxBytes: app.images.maxImageBytes, maxRedirects: 3 },
      app.images.outbound,
    );
    if (response.status !== 200) throw upstream(`Fetching the provider's image answered ${response.status}`);
    return response.body;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof OutboundTimeoutError) throw new ApiError(504, 'upstream_timeout', 'Fetching the provider\'s image timed out');
    if (err instanceof UnsafeUrlError) throw upstream(`The provider's image URL was refused: ${err.reason}`);
    if (err instanceof ResponseTooLargeError) throw upstream(`The provider's image is larger than ${app.images.maxImageBytes} bytes`);
    throw upstream('The provider\'s image could not be fetched');
  }
}

/** A filename from the prompt's first words, e.g. `a-sunset-over-mountains-1.png`. */
function imageFilename(prompt: string, index: number, extension: string): string {
  const slug = prompt
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return `${slug || 'image'}-${index + 1}.${extension}`;
}

async function storeImage(app: AppContext, userId: string, image: ProviderImage, job: ImageJob, index: number): Promise<GeneratedFile> {
  const bytes = image.bytes ?? (await fetchProviderImage(app, image.url!));
  const type = (await fileTypeFromBuffer(bytes))?.mime;
  const extension = type ? IMAGE_TYPES[type] : undefined;
  if (!type || !extension) throw upstream('The image provider answered bytes that are not a PNG, JPEG, WebP or GIF image');
  const id = newId('file');
  const key = storageKey(userId, id);
  await app.files.storage.write(key, Readable.from([bytes]), type);
  const row = await recordStoredFile(app, {
    id,
    userId,
    key,
    filename: imageFilename(job.prompt, index, extension),
    size: bytes.length,
    type,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  });
  return { row, revisedPrompt: image.revisedPrompt };
}

/**
 * Generates images with the chosen model and stores each as one of the user's
 * files. Either every image is stored, or none is.
 */
export async function generateImages(app: AppContext, userId: string, body: ImageGenerateRequest): Promise<GeneratedFile[]> {
  const model = modelFor(app, body.model);
  const job = checkAgainstModel(model, body);
  const images = model.provider === 'local' ? await generateLocally(job) : await generateWithOpenAI(app.images, model, job, userId);
  const stored: GeneratedFile[] = [];
  try {
    for (const [index, image] of images.entries()) stored.push(await storeImage(app, userId, image, job, index));
  } catch (err) {
    for (const { row } of stored) {
      await deleteOwnedFile(app.db, userId, row.id).catch(() => undefined);
      await app.files.storage.remove(row.storage_key).catch(() => undefined);
    }
    throw err;
  }
  return stored;
}
