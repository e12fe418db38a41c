/** A server-sent-events reader, per the WHATWG event-stream format. */

export interface ServerSentEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/**
 * Yields each event of a `text/event-stream` body. Comment lines (`: ping`) are skipped, and
 * multi-line `data:` fields are joined with `\n`. Stopping the iteration cancels the body.
 * An event cut off before its closing blank line is dropped, as the format says.
 */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  let first = true;

  function* takeLines(final: boolean): Generator<ServerSentEvent> {
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer);
      // A trailing \r may be the first half of \r\n: wait for the next chunk unless this is the end.
      if (!match || (match[0] === '\r' && match.index === buffer.length - 1 && !final)) return;
      let line = buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
      if (first) {
        line = line.replace(/^\uFEFF/, '');
        first = false;
      }
      if (line === '') {
        if (data.length > 0) yield { event: event || 'message', data: data.join('\n'), id };
        data = [];
        event = '';
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id') id = value;
    }
  }

  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      yield* takeLines(false);
    }
    // Per the format, an event cut off before its closing blank line is not dispatched.
    buffer += decoder.decode();
    yield* takeLines(true);
  } finally {
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
