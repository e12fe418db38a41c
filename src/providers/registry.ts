import type { ProviderKind } from '../models/catalogue.js';
import type { Provider } from './types.js';
import { openaiProvider } from './openai/provider.js';
import { anthropicProvider } from './anthropic/provider.js';
import { localProvider } from './local/provider.js';

const providers: Record<ProviderKind, Provider> = {
  openai: openaiProvider,
  anthropic: anthropicProvider,
  local: localProvider,
};

export function providerOfKind(kind: ProviderKind): Provider {
  return providers[kind];
}
