import type { Handlers } from '../http/handler-types.js';
import type { Model } from '../../generated/types.gen.js';
import { providerUsable } from './catalogue.js';

export const modelHandlers: Pick<Handlers, 'listModels'> = {
  listModels: async (_input, { app, auth }) => {
    const { catalogue, keys } = app.completions;
    const userKeys = await keys.get(auth!.userId);
    const data: Model[] = [];
    for (const model of catalogue.models.values()) {
      if (!providerUsable(catalogue.providers.get(model.provider)!, userKeys)) continue;
      data.push({
        id: model.id,
        object: 'model',
        provider: model.provider,
        name: model.name,
        description: model.description,
        context_length: model.context_length,
        pricing: { input: model.pricing.input, output: model.pricing.output },
      });
    }
    return { status: 200, body: { object: 'list', data } };
  },
};
