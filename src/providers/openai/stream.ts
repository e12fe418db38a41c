import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { ChunkChoice, StreamPiece } from '../types.js';
import { fromOpenAIUsage } from './response.js';

/**
 * OpenAI's chunks already are the wire format; this drops what the gateway sets
 * itself (id, model, created, the role) and notes whether any choice finished,
 * since a stream that stops without a finish_reason was cut.
 */
export function createOpenAIStreamTransform() {
  let finished = false;
  return {
    piece(chunk: ChatCompletionChunk): StreamPiece {
      const choices: ChunkChoice[] = chunk.choices.map(({ delta, ...choice }) => {
        const { role: _role, ...rest } = delta;
        if (choice.finish_reason) finished = true;
        return { ...choice, delta: rest };
      });
      return chunk.usage ? { choices, usage: fromOpenAIUsage(chunk.usage) } : { choices };
    },
    get finished() {
      return finished;
    },
  };
}
