import { badRequest } from '../http/errors.js';
import type { FieldError } from '../http/validation.js';
import type { ImageGenerateRequest } from '../../generated/types.gen.js';
import type { ImageModel } from './catalogue.js';

/** A request checked against its model, with the model's defaults filled in. */
export interface ImageJob {
  prompt: string;
  size: string;
  quality: string | undefined;
  style: string | undefined;
  n: number;
}

/** Checks size, quality, style, n and the prompt's length against what `model` supports; a 400 names every bad field. */
export function checkAgainstModel(model: ImageModel, body: ImageGenerateRequest): ImageJob {
  const errors: FieldError[] = [];
  const oneOf = (field: string, value: string | undefined, allowed: string[]) => {
    if (value === undefined) return;
    if (allowed.length === 0) errors.push({ path: `/${field}`, message: `is not supported by ${model.id}` });
    else if (!allowed.includes(value)) errors.push({ path: `/${field}`, message: `must be one of: ${allowed.join(', ')} for ${model.id}` });
  };
  oneOf('size', body.size, model.sizes);
  oneOf('quality', body.quality, model.qualities);
  oneOf('style', body.style, model.styles);
  const n = body.n ?? 1;
  if (n > model.maxN) errors.push({ path: '/n', message: `must be at most ${model.maxN} for ${model.id}` });
  const promptChars = Array.from(body.prompt).length;
  if (promptChars > model.maxPromptChars) {
    errors.push({ path: '/prompt', message: `must be at most ${model.maxPromptChars} characters for ${model.id} (got ${promptChars})` });
  }
  if (body.prompt.trim() === '') errors.push({ path: '/prompt', message: 'must not be blank' });
  if (errors.length > 0) {
    throw badRequest(`The request does not fit ${model.id}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, { errors });
  }
  return { prompt: body.prompt, size: body.size ?? model.defaultSize, quality: body.quality ?? model.defaultQuality, style: body.style, n };
}
