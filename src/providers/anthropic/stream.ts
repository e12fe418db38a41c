import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages/messages';
import type { StreamPiece } from '../types.js';
import { finishReason, inputTokens, usageOf } from './response.js';

const NOTHING: StreamPiece | undefined = undefined;

/**
 * Anthropic's stream events as OpenAI chunks. Anthropic numbers content blocks
 * (text and tool_use mixed); OpenAI numbers tool calls on their own, from 0.
 * This keeps the block-to-call mapping and the token counts between events.
 */
export function createAnthropicStreamTransform() {
  const toolIndexOfBlock = new Map<number, number>();
  let prompt = 0;
  let completion = 0;
  let stopped = false;

  function piece(event: RawMessageStreamEvent): StreamPiece | undefined {
    switch (event.type) {
      case 'message_start':
        prompt = inputTokens(event.message.usage);
        completion = event.message.usage.output_tokens;
        return { choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] };
      case 'content_block_start': {
        const block = event.content_block;
        if (block.type === 'text') return block.text ? text(block.text) : NOTHING;
        if (block.type !== 'tool_use') return NOTHING;
        const index = toolIndexOfBlock.size;
        toolIndexOfBlock.set(event.index, index);
        return {
          choices: [
            {
              index: 0,
              delta: { tool_calls: [{ index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] },
              finish_reason: null,
            },
          ],
        };
      }
      case 'content_block_delta': {
        const { delta } = event;
        if (delta.type === 'text_delta') return delta.text ? text(delta.text) : NOTHING;
        if (delta.type !== 'input_json_delta' || !delta.partial_json) return NOTHING;
        const index = toolIndexOfBlock.get(event.index);
        if (index === undefined) return NOTHING;
        return {
          choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: delta.partial_json } }] }, finish_reason: null }],
        };
      }
      case 'message_delta': {
        if (event.usage.input_tokens !== null && event.usage.input_tokens !== undefined) prompt = inputTokens(event.usage);
        completion = event.usage.output_tokens;
        const reason = finishReason(event.delta.stop_reason);
        return reason ? { choices: [{ index: 0, delta: {}, finish_reason: reason }] } : NOTHING;
      }
      case 'message_stop':
        stopped = true;
        return { choices: [], usage: usageOf(prompt, completion) };
      default:
        return NOTHING;
    }
  }

  return {
    piece,
    /** message_stop seen: the stream ended as Anthropic ends it, not cut. */
    get stopped() {
      return stopped;
    },
  };
}

function text(content: string): StreamPiece {
  return { choices: [{ index: 0, delta: { content }, finish_reason: null }] };
}
