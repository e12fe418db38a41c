import type { ChatCompletionMessage } from '../../../generated/types.gen.js';
import type { FinishReason, OpenAIRequestBody, TokenUsage } from '../types.js';

/**
 * The offline development model: a canned, deterministic answer that quotes
 * the last user message, so `npm start` with no keys serves the whole flow.
 * A "token" here is one word with its trailing space.
 */
export interface LocalAnswer {
  tokens: string[];
  finishReason: FinishReason;
  usage: TokenUsage;
}

const QUOTE_CHARS = 200;

export function localAnswer(body: OpenAIRequestBody, modelName: string): LocalAnswer {
  const lastUser = [...body.messages].reverse().find((m) => m.role === 'user');
  const said = lastUser ? plainText(lastUser).replace(/\s+/g, ' ').trim() : '';
  const quoted = said.length > QUOTE_CHARS ? `${said.slice(0, QUOTE_CHARS)}…` : said;
  let text =
    `Hello! This is ${modelName}, the offline development model built into T66. ` +
    (quoted ? `You said: "${quoted}". ` : 'You sent no user message. ') +
    'No language model was called: this answer is canned, so you can build and test against the API without any provider key.';
  let finishReason: FinishReason = 'stop';

  const stop = firstStop(text, body.stop);
  if (stop !== undefined) text = text.slice(0, stop);
  let tokens: string[] = text.match(/\S+\s*|\s+/g) ?? [];
  const limit = body.max_completion_tokens ?? body.max_tokens;
  if (limit !== undefined && tokens.length > limit) {
    tokens = tokens.slice(0, limit);
    finishReason = 'length';
  }
  const prompt = body.messages.reduce((sum, m) => sum + countWords(plainText(m)) + 3, 0);
  return {
    tokens,
    finishReason,
    usage: { prompt_tokens: prompt, completion_tokens: tokens.length, total_tokens: prompt + tokens.length },
  };
}

function firstStop(text: string, stop: string | string[] | undefined): number | undefined {
  const list = stop === undefined ? [] : Array.isArray(stop) ? stop : [stop];
  const found = list.filter((s) => s !== '').map((s) => text.indexOf(s)).filter((i) => i >= 0);
  return found.length ? Math.min(...found) : undefined;
}

function plainText(message: ChatCompletionMessage): string {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.map((part) => (part.type === 'text' ? (part.text ?? '') : '')).join(' ');
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}
