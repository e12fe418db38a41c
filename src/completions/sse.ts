import type { ServerResponse } from 'node:http';

/**
 * The client's side of a streamed completion. Headers wait until the upstream
 * accepted the request (so a 429 can still be a 429), but never longer than
 * one ping interval: a ping goes out whenever the stream has been silent that
 * long, committing the response if it was not yet.
 */
export interface SseWriter {
  readonly committed: boolean;
  /** Sends the 200 and the headers now. */
  commit(): void;
  /** Writes one `data:` frame; false means the socket is full: await `drained()`. */
  data(json: string): boolean;
  drained(): Promise<void>;
  /** `data: [DONE]` and the end of the response. */
  done(): void;
  /** Stops the pings (idempotent). */
  stop(): void;
}

export function createSseWriter(res: ServerResponse, pingMs: number): SseWriter {
  let committed = false;
  const gone = () => res.destroyed || res.writableEnded;

  const commit = () => {
    if (committed || gone()) return;
    committed = true;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    // Stops nginx and similar proxies from buffering the stream.
    res.setHeader('X-Accel-Buffering', 'no');
    res.socket?.setNoDelay(true);
    res.flushHeaders();
  };

  const ping = setInterval(() => {
    if (gone()) return;
    commit();
    res.write(': ping\n\n');
  }, pingMs);
  ping.unref();

  return {
    get committed() {
      return committed;
    },
    commit,
    data(json) {
      if (gone()) return true;
      commit();
      ping.refresh();
      return res.write(`data: ${json}\n\n`);
    },
    drained() {
      if (gone() || !res.writableNeedDrain) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    },
    done() {
      clearInterval(ping);
      if (gone()) return;
      commit();
      res.end('data: [DONE]\n\n');
    },
    stop() {
      clearInterval(ping);
    },
  };
}
