import type { ChatCompletion, ChatCompletionMessageToolCall } from 'openai/resources/chat/completions';
import type { ToolCall } from '../../../generated/types.gen.js';
import type { CompletionResult, TokenUsage } from '../types.js';

export function fromOpenAICompletion(completion: ChatCompletion): CompletionResult {
  return {
    choices: completion.choices.map((choice) => {
      const { tool_calls, ...message } = choice.message;
      const calls = tool_calls?.flatMap(functionCall);
      return {
        ...choice,
        message: calls?.length ? { ...message, role: 'assistant', tool_calls: calls } : { ...message, role: 'assistant' },
      };
    }),
    usage: completion.usage ? fromOpenAIUsage(completion.usage) : undefined,
  };
}

function functionCall(call: ChatCompletionMessageToolCall): ToolCall[] {
  return call.type === 'function'
    ? [{ id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments } }]
    : [];
}

export function fromOpenAIUsage(usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number }): TokenUsage {
  return { ...usage };
}
