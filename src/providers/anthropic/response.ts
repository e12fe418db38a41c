import type { Message, StopReason } from '@anthropic-ai/sdk/resources/messages/messages';
import type { ToolCall } from '../../../generated/types.gen.js';
import type { CompletionResult, FinishReason, TokenUsage } from '../types.js';

export function fromAnthropicMessage(message: Message): CompletionResult {
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text') text += block.text;
    else if (block.type === 'tool_use') {
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    }
  }
  return {
    choices: [
      {
        index: 0,
        message: toolCalls.length
          ? { role: 'assistant', content: text || null, tool_calls: toolCalls }
          : { role: 'assistant', content: text },
        finish_reason: finishReason(message.stop_reason),
      },
    ],
    usage: usageOf(inputTokens(message.usage), message.usage.output_tokens),
  };
}

export function finishReason(reason: StopReason | null): FinishReason | null {
  switch (reason) {
    case null:
      return null;
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn
      return 'stop';
  }
}

/** Anthropic counts cached input apart; OpenAI's prompt_tokens holds all input. */
export function inputTokens(usage: {
  input_tokens: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}): number {
  return (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
}

export function usageOf(prompt: number, completion: number): TokenUsage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
