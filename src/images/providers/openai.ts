import OpenAI from 'openai';
import type { ImageGenerateParamsNonStreaming } from 'openai/resources/images';
import { ApiError } from '../../http/errors.js';
import type { ImageModel, ImagesRuntime } from '../catalogue.js';
import type { ImageJob } from '../validate.js';
import type { ProviderImage } from './types.js';

const clients = new WeakMap<ImageModel, OpenAI>();

/** Whether T66 has what it needs to call this model. */
export function openaiModelConfigured(runtime: ImagesRuntime, model: ImageModel): boolean {
  return Boolean(model.baseUrl || runtime.openai);
}

function clientFor(runtime: ImagesRuntime, model: ImageModel): OpenAI {
  let client = clients.get(model);
  if (!client) {
    client = new OpenAI({
      apiKey: model.baseUrl ? (model.apiKey ?? 'none') : runtime.openai!.apiKey,
      baseURL: model.baseUrl ?? runtime.openai!.baseUrl,
      timeout: runtime.timeoutMs,
      // A gateway answers the client's request; it does not multiply a slow provider's delay by retrying.
      maxRetries: 0,
    });
    clients.set(model, client);
  }
  return client;
}

const upstream = (message: string, details?: Record<string, unknown>) => new ApiError(502, 'upstream_error', message, details);

/** The SDK's failures, in the envelope: timeouts 504, the provider's refusals of the prompt 400, the rest 502. */
function translate(err: unknown, model: ImageModel): ApiError {
  if (err instanceof OpenAI.APIConnectionTimeoutError) {
    return new ApiError(504, 'upstream_timeout', `The image provider for ${model.id} did not answer in time`);
  }
  if (err instanceof OpenAI.APIConnectionError) return upstream(`The image provider for ${model.id} could not be reached`);
  if (err instanceof OpenAI.APIError) {
    const body = err.error as { code?: unknown; message?: unknown } | undefined;
    if (err.status === 400) {
      // Typically the provider's safety system refusing the prompt: the caller can act on that.
      const code = typeof body?.code === 'string' ? body.code : 'invalid_request';
      const message = typeof body?.message === 'string' ? body.message : 'The image provider refused the request';
      return new ApiError(400, code, message, { provider_status: 400 });
    }
    return upstream(`The image provider for ${model.id} answered ${err.status ?? 'an error'}`, { provider_status: err.status });
  }
  return upstream(`The image provider for ${model.id} answered something that is not an image response`);
}

export async function generateWithOpenAI(runtime: ImagesRuntime, model: ImageModel, job: ImageJob, userId: string): Promise<ProviderImage[]> {
  const params: ImageGenerateParamsNonStreaming = {
    model: model.id,
    prompt: job.prompt,
    n: job.n,
    size: job.size,
    ...(job.quality ? { quality: job.quality as ImageGenerateParamsNonStreaming['quality'] } : {}),
    ...(job.style ? { style: job.style as ImageGenerateParamsNonStreaming['style'] } : {}),
    ...(model.asksForBase64 ? { response_format: 'b64_json' as const } : {}),
    user: userId,
  };
  let answer: unknown;
  try {
    answer = await clientFor(runtime, model).images.generate(params);
  } catch (err) {
    throw translate(err, model);
  }
  const data = (answer as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length === 0) throw upstream(`The image provider for ${model.id} answered no images`);
  return data.map((item: { b64_json?: unknown; url?: unknown; revised_prompt?: unknown }) => {
    const revisedPrompt = typeof item?.revised_prompt === 'string' ? item.revised_prompt : undefined;
    if (typeof item?.b64_json === 'string' && item.b64_json.length > 0) {
      return { bytes: Buffer.from(item.b64_json, 'base64'), revisedPrompt };
    }
    if (typeof item?.url === 'string' && item.url.length > 0) return { url: item.url, revisedPrompt };
    throw upstream(`The image provider for ${model.id} answered an image with neither b64_json nor url`);
  });
}
