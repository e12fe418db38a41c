import type { ChunkChoice, StreamPiece, TokenUsage } from '../providers/types.js';

/**
 * Turns the providers' pieces into OpenAI's exact chunk stream: every chunk
 * carries T66's id, `created` and the model the client asked for; each choice
 * starts with `delta.role: "assistant"` and gets exactly one finish_reason;
 * usage is held back for the final `choices: []` chunk. It also keeps what the
 * gateway needs afterwards: the text of choice 0 and the upstream's usage.
 */
export function createChunkShaper(meta: { id: string; created: number; model: string }) {
  const started = new Set<number>();
  const finished = new Set<number>();
  let usage: TokenUsage | undefined;
  let text = '';
  let textDelta = '';
  let output = false;

  const frame = (choices: ChunkChoice[], usageField?: TokenUsage) =>
    JSON.stringify({
      id: meta.id,
      object: 'chat.completion.chunk',
      created: meta.created,
      model: meta.model,
      choices,
      ...(usageField ? { usage: usageField } : {}),
    });

  return {
    /** The frame for one piece, or undefined when it carries nothing for the client. */
    shape(piece: StreamPiece): string | undefined {
      textDelta = '';
      if (piece.usage) usage = piece.usage;
      let choices: ChunkChoice[] | undefined;
      for (const choice of piece.choices) {
        if (finished.has(choice.index)) continue;
        let delta = choice.delta;
        const first = !started.has(choice.index);
        if (first) {
          started.add(choice.index);
          delta = { role: 'assistant', ...delta };
        } else if (isEmpty(delta) && !choice.finish_reason) {
          continue;
        }
        if (choice.finish_reason) finished.add(choice.index);
        if (typeof delta.content === 'string' && delta.content) {
          output = true;
          if (choice.index === 0) textDelta = delta.content;
        }
        if (delta.tool_calls?.length) output = true;
        (choices ??= []).push({ ...choice, delta, finish_reason: choice.finish_reason ?? null });
      }
      text += textDelta;
      return choices ? frame(choices) : undefined;
    },
    /** Closes choices the upstream left open (and answers an empty stream with an empty answer). */
    closing(): string | undefined {
      if (started.size === 0) return frame([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: 'stop' }]);
      const open = [...started].filter((index) => !finished.has(index));
      for (const index of open) finished.add(index);
      return open.length ? frame(open.map((index) => ({ index, delta: {}, finish_reason: 'stop' }))) : undefined;
    },
    usageFrame(final: TokenUsage): string {
      return frame([], final);
    },
    /** The upstream's own count, when it sent one. */
    get usage() {
      return usage;
    },
    /** Choice 0's text so far. */
    get text() {
      return text;
    },
    /** Choice 0's text in the piece just shaped. */
    get textDelta() {
      return textDelta;
    },
    /** Whether any content or tool call has been shaped yet (for time to first token). */
    get output() {
      return output;
    },
  };
}

export type ChunkShaper = ReturnType<typeof createChunkShaper>;

function isEmpty(delta: ChunkChoice['delta']): boolean {
  for (const key in delta) {
    const value = delta[key];
    if (value !== undefined && value !== null && value !== '' && key !== 'role') return false;
  }
  return true;
}
