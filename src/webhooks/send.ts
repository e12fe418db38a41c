import { guardedRequest, OutboundTimeoutError, ResponseTooLargeError, UnsafeUrlError } from '../net/ssrf.js';

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
}

export interface SendResult {
  ok: boolean;
  status: number | null;
  durationMs: number;
  error: string | null;
}

/** A receiver's answer is not kept; one larger than this fails the attempt rather than fill memory. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

function describeFailure(err: unknown): string {
  if (err instanceof UnsafeUrlError) return `refused: ${err.reason}`;
  if (err instanceof OutboundTimeoutError || err instanceof ResponseTooLargeError) return err.message;
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    default:
      return code ?? (err instanceof Error ? err.message : String(err));
  }
}

/**
 * One delivery attempt: POSTs the body and answers whether the receiver took it (2xx).
 * It goes through the SSRF guard on every attempt (DNS can change after
 * registration), and redirects are answered as failures, not followed.
 */
export async function postWebhook(url: string, headers: Record<string, string>, body: string, options: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await guardedRequest(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
        timeoutMs: options.timeoutMs,
        maxBytes: MAX_RESPONSE_BYTES,
        maxRedirects: 0,
      },
      { allowPrivate: options.allowPrivate },
    );
    const ok = response.status >= 200 && response.status < 300;
    return { ok, status: response.status, durationMs: elapsed(), error: ok ? null : `HTTP ${response.status}` };
  } catch (err) {
    return { ok: false, status: null, durationMs: elapsed(), error: describeFailure(err) };
  }
}
