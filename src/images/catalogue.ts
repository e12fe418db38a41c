import { intFromEnv } from '../config.js';
import { outboundPolicyFromEnv, type OutboundPolicy } from '../net/ssrf.js';

/** What one image model accepts, and where its requests go. */
export interface ImageModel {
  id: string;
  /** `openai`: the openai SDK's images API (OpenAI, or an OpenAI-compatible server); `local`: rendered offline. */
  provider: 'openai' | 'local';
  sizes: string[];
  defaultSize: string;
  qualities: string[];
  defaultQuality: string | undefined;
  /** Empty when the model takes no `style`. */
  styles: string[];
  maxN: number;
  maxPromptChars: number;
  /** dall-e models can be asked for base64 instead of a short-lived URL; GPT image models always answer base64. */
  asksForBase64: boolean;
  /** For a compatible server with its own endpoint; else OPENAI_BASE_URL / OPENAI_API_KEY. */
  baseUrl?: string;
  apiKey?: string;
}

export interface ImagesRuntime {
  models: Map<string, ImageModel>;
  defaultModel: string;
  openai: { apiKey: string; baseUrl: string | undefined } | undefined;
  timeoutMs: number;
  /** Largest image T66 downloads when a provider answers a URL. */
  maxImageBytes: number;
  outbound: OutboundPolicy;
}

const BUILT_IN: ImageModel[] = [
  {
    id: 'dall-e-2',
    provider: 'openai',
    sizes: ['256x256', '512x512', '1024x1024'],
    defaultSize: '1024x1024',
    qualities: ['standard'],
    defaultQuality: undefined,
    styles: [],
    maxN: 10,
    maxPromptChars: 1000,
    asksForBase64: true,
  },
  {
    id: 'dall-e-3',
    provider: 'openai',
    sizes: ['1024x1024', '1792x1024', '1024x1792'],
    defaultSize: '1024x1024',
    qualities: ['standard', 'hd'],
    defaultQuality: 'standard',
    styles: ['vivid', 'natural'],
    maxN: 1,
    maxPromptChars: 4000,
    asksForBase64: true,
  },
  {
    id: 'gpt-image-1',
    provider: 'openai',
    sizes: ['1024x1024', '1536x1024', '1024x1536', 'auto'],
    defaultSize: 'auto',
    qualities: ['low', 'medium', 'high', 'auto'],
    defaultQuality: 'auto',
    styles: [],
    maxN: 10,
    maxPromptChars: 32000,
    asksForBase64: false,
  },
  {
    id: 'local-image',
    provider: 'local',
    sizes: ['256x256', '512x512', '1024x1024'],
    defaultSize: '512x512',
    qualities: ['standard'],
    defaultQuality: 'standard',
    styles: [],
    maxN: 4,
    maxPromptChars: 4000,
    asksForBase64: false,
  },
];

interface ConfiguredModel {
  id?: unknown;
  base_url?: unknown;
  api_key?: unknown;
  sizes?: unknown;
  qualities?: unknown;
  styles?: unknown;
  max_n?: unknown;
  max_prompt_chars?: unknown;
}

const stringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v.length > 0);

/**
 * Extra OpenAI-compatible image models from T66_IMAGE_MODELS, a JSON array such as
 * `[{"id":"sdxl","base_url":"http://10.0.0.5:8000/v1","api_key":"...","sizes":["1024x1024"]}]`.
 */
function configuredModels(raw: string | undefined): ImageModel[] {
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('T66_IMAGE_MODELS must be a JSON array of image models');
  }
  if (!Array.isArray(parsed)) throw new Error('T66_IMAGE_MODELS must be a JSON array of image models');
  return parsed.map((entry: ConfiguredModel, index) => {
    const where = `T66_IMAGE_MODELS[${index}]`;
    if (typeof entry?.id !== 'string' || !entry.id) throw new Error(`${where}.id must be a non-empty string`);
    if (!stringList(entry.sizes)) throw new Error(`${where}.sizes must be a non-empty list of sizes such as "1024x1024"`);
    const optionalList = (value: unknown, name: string): string[] => {
      if (value === undefined || (Array.isArray(value) && value.length === 0)) return [];
      if (!stringList(value)) throw new Error(`${where}.${name} must be a list of strings`);
      return value;
    };
    const qualities = optionalList(entry.qualities, 'qualities');
    const styles = optionalList(entry.styles, 'styles');
    const positive = (value: unknown, fallback: number, name: string) => {
      if (value === undefined) return fallback;
      if (!Number.isInteger(value) || (value as number) < 1) throw new Error(`${where}.${name} must be a positive integer`);
      return value as number;
    };
    return {
      id: entry.id,
      provider: 'openai',
      sizes: entry.sizes,
      defaultSize: entry.sizes[0],
      qualities,
      defaultQuality: undefined,
      styles,
      maxN: positive(entry.max_n, 1, 'max_n'),
      maxPromptChars: positive(entry.max_prompt_chars, 4000, 'max_prompt_chars'),
      asksForBase64: true,
      baseUrl: typeof entry.base_url === 'string' ? entry.base_url : undefined,
      apiKey: typeof entry.api_key === 'string' ? entry.api_key : undefined,
    } satisfies ImageModel;
  });
}

export function createImagesRuntime(env: NodeJS.ProcessEnv): ImagesRuntime {
  const models = new Map<string, ImageModel>();
  for (const model of [...BUILT_IN, ...configuredModels(env.T66_IMAGE_MODELS)]) models.set(model.id, model);
  const openai = env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY, baseUrl: env.OPENAI_BASE_URL || undefined } : undefined;
  const defaultModel = env.T66_DEFAULT_IMAGE_MODEL || (openai ? 'dall-e-3' : 'local-image');
  if (!models.has(defaultModel)) throw new Error(`T66_DEFAULT_IMAGE_MODEL names an unknown image model: ${defaultModel}`);
  return {
    models,
    defaultModel,
    openai,
    timeoutMs: intFromEnv(env, 'T66_IMAGE_TIMEOUT_MS', 120_000),
    maxImageBytes: intFromEnv(env, 'T66_MAX_IMAGE_BYTES', 50 * 1024 * 1024),
    outbound: outboundPolicyFromEnv(env),
  };
}
