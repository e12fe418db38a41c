import fs from 'node:fs';
import YAML from 'yaml';
import { Ajv } from 'ajv';
import { defaultCatalogue } from './default-catalogue.js';

export type ProviderKind = 'openai' | 'anthropic' | 'local';

/** Where one provider is reached. `openai` kind also covers any OpenAI-compatible server. */
export interface ProviderConfig {
  id: string;
  kind: ProviderKind;
  /** Undefined: the SDK's own default endpoint. */
  baseURL: string | undefined;
  /** The server's key; a user's own key (BYOK) takes precedence. */
  apiKey: string | undefined;
  /** Whether the operator configured it (a key or a base URL), so it serves users who have no key of their own. */
  configured: boolean;
}

export interface CatalogueModel {
  id: string;
  provider: string;
  /** The model name the provider knows. */
  upstream: string;
  name: string;
  description: string;
  context_length: number;
  max_output_tokens: number;
  /** USD per 1K tokens. */
  pricing: { input: number; output: number };
  /** Whether it accepts image parts. */
  vision: boolean;
  /** Other model ids tried, in order, when this one fails with 429, 5xx or a timeout. */
  fallbacks: string[];
}

export interface Catalogue {
  models: ReadonlyMap<string, CatalogueModel>;
  providers: ReadonlyMap<string, ProviderConfig>;
}

/** The shape of T66_MODELS_FILE (YAML or JSON). */
export interface CatalogueFile {
  providers?: Record<string, { kind?: 'openai' | 'anthropic'; base_url: string; api_key_env?: string }>;
  models: Array<
    Omit<CatalogueModel, 'upstream' | 'vision' | 'fallbacks'> & { upstream?: string; vision?: boolean; fallbacks?: string[] }
  >;
}

const BUILT_IN_PROVIDERS = ['openai', 'anthropic', 'local'];

const fileSchema = {
  type: 'object',
  required: ['models'],
  additionalProperties: false,
  properties: {
    providers: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['base_url'],
        additionalProperties: false,
        properties: {
          kind: { enum: ['openai', 'anthropic'] },
          base_url: { type: 'string', pattern: '^https?://' },
          api_key_env: { type: 'string', minLength: 1 },
        },
      },
    },
    models: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id', 'provider', 'name', 'description', 'context_length', 'max_output_tokens', 'pricing'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', minLength: 1, maxLength: 200 },
          provider: { type: 'string', minLength: 1 },
          upstream: { type: 'string', minLength: 1 },
          name: { type: 'string' },
          description: { type: 'string' },
          context_length: { type: 'integer', minimum: 1 },
          max_output_tokens: { type: 'integer', minimum: 1 },
          pricing: {
            type: 'object',
            required: ['input', 'output'],
            additionalProperties: false,
            properties: { input: { type: 'number', minimum: 0 }, output: { type: 'number', minimum: 0 } },
          },
          vision: { type: 'boolean' },
          fallbacks: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
} as const;

const validateFile = new Ajv({ allErrors: true }).compile<CatalogueFile>(fileSchema);

/** Reads T66_MODELS_FILE, or the built-in catalogue; throws at start-up on any mistake, naming it. */
export function loadCatalogue(env: NodeJS.ProcessEnv): Catalogue {
  const file = env.T66_MODELS_FILE;
  return buildCatalogue(file ? readCatalogueFile(file) : defaultCatalogue, env, file ?? 'built-in catalogue');
}

function readCatalogueFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`T66_MODELS_FILE ${file} cannot be read: ${(err as Error).message}`);
  }
  try {
    // YAML is a superset of JSON, so one parser reads both.
    return YAML.parse(text);
  } catch (err) {
    throw new Error(`T66_MODELS_FILE ${file} is not valid YAML or JSON: ${(err as Error).message}`);
  }
}

export function buildCatalogue(input: unknown, env: NodeJS.ProcessEnv, source: string): Catalogue {
  if (!validateFile(input)) {
    const problems = (validateFile.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new Error(`${source}: ${problems}`);
  }
  const providers = new Map<string, ProviderConfig>(builtInProviders(env).map((p) => [p.id, p]));
  for (const [id, entry] of Object.entries(input.providers ?? {})) {
    if (BUILT_IN_PROVIDERS.includes(id)) {
      throw new Error(`${source}: provider "${id}" is built in and configured from the environment; pick another name`);
    }
    const apiKey = entry.api_key_env ? env[entry.api_key_env] || undefined : undefined;
    providers.set(id, { id, kind: entry.kind ?? 'openai', baseURL: entry.base_url, apiKey, configured: true });
  }
  const models = new Map<string, CatalogueModel>();
  for (const entry of input.models) {
    if (models.has(entry.id)) throw new Error(`${source}: model "${entry.id}" is listed twice`);
    if (!providers.has(entry.provider)) throw new Error(`${source}: model "${entry.id}" names unknown provider "${entry.provider}"`);
    models.set(entry.id, {
      ...entry,
      upstream: entry.upstream ?? entry.id,
      vision: entry.vision ?? false,
      fallbacks: entry.fallbacks ?? [],
    });
  }
  for (const model of models.values()) {
    for (const fallback of model.fallbacks) {
      if (!models.has(fallback) || fallback === model.id) {
        throw new Error(`${source}: model "${model.id}" falls back to "${fallback}", which is not another model of the catalogue`);
      }
    }
  }
  return { models, providers };
}

function builtInProviders(env: NodeJS.ProcessEnv): ProviderConfig[] {
  const openai = { key: env.OPENAI_API_KEY || undefined, url: env.OPENAI_BASE_URL || undefined };
  const anthropic = { key: env.ANTHROPIC_API_KEY || undefined, url: env.ANTHROPIC_BASE_URL || undefined };
  return [
    { id: 'openai', kind: 'openai', baseURL: openai.url, apiKey: openai.key, configured: Boolean(openai.key || openai.url) },
    {
      id: 'anthropic',
      kind: 'anthropic',
      baseURL: anthropic.url,
      apiKey: anthropic.key,
      configured: Boolean(anthropic.key || anthropic.url),
    },
    { id: 'local', kind: 'local', baseURL: undefined, apiKey: undefined, configured: true },
  ];
}

/** Whether a provider can serve a user: configured by the operator, or the user stored a key for it. */
export function providerUsable(provider: ProviderConfig, userKeys: Readonly<Record<string, string>>): boolean {
  return provider.configured || Boolean(userKeys[provider.id]);
}
