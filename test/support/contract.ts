/**
 * The contract check every test goes through: each HTTP response from a T66
 * server under test is validated against openapi.yaml (declared status,
 * content type, body schema; SSE frames against ChatCompletionChunk).
 * test/support/setup.ts installs it as the global fetch, so the generated
 * client, the openai and pocketbase SDKs and plain fetch calls are all checked.
 */
import { OpenAPIBackend, type Operation } from 'openapi-backend';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { loadSpec } from '../../src/http/spec.js';

const servers = new Set<string>();
export const violations: string[] = [];
const pending = new Set<Promise<void>>();
/** `operationId status` pairs seen, for coverage reports. */
export const seen = new Set<string>();

export function registerServer(origin: string) {
  servers.add(origin);
}
export function unregisterServer(origin: string) {
  servers.delete(origin);
}

const spec = loadSpec();
const api = new OpenAPIBackend({
  definition: spec.document,
  apiRoot: '/api',
  quick: false,
  validate: true,
  ajvOpts: { allErrors: true, strict: false },
  customizeAjv: (ajv: Ajv) => {
    addFormats.default(ajv);
    return ajv;
  },
});
const ready = api.init();

let componentValidators: { chunk: ValidateFunction; error: ValidateFunction } | undefined;
async function components() {
  await ready;
  if (!componentValidators) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const schemas = (api.definition.components?.schemas ?? {}) as Record<string, object>;
    componentValidators = { chunk: ajv.compile(schemas.ChatCompletionChunk), error: ajv.compile(schemas.ErrorResponse) };
  }
  return componentValidators;
}

type DeclaredResponse = { content?: Record<string, unknown> };

function mediaMatches(declared: string, actual: string) {
  if (declared === '*/*') return true;
  if (declared.endsWith('/*')) return actual.startsWith(declared.slice(0, -1));
  return declared === actual;
}

function describe(method: string, url: URL, status: number) {
  return `${method.toUpperCase()} ${url.pathname} -> ${status}`;
}

async function check(method: string, url: URL, response: Response) {
  await ready;
  const { error: errorSchema } = await components();
  const label = describe(method, url, response.status);
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const operation = api.matchOperation({ method, path: url.pathname, headers: {} }) as Operation | undefined;

  if (!operation) {
    // Outside any operation (unknown route, wrong method, docs): errors must still be envelopes.
    if (url.pathname.startsWith('/api/openapi.')) return;
    if (response.status < 400) return void violations.push(`${label}: no operation matches this route`);
    const body = await response.json().catch(() => undefined);
    if (!errorSchema(body)) violations.push(`${label}: error body is not the envelope: ${JSON.stringify(body)}`);
    return;
  }
  seen.add(`${operation.operationId} ${response.status}`);
  const declared = (operation.responses ?? {})[String(response.status)] as DeclaredResponse | undefined;
  if (!declared) return void violations.push(`${label}: status ${response.status} is not declared for ${operation.operationId}`);

  if (!declared.content) {
    const text = await response.text();
    if (text.length > 0) violations.push(`${label}: declared without a body but answered ${text.length} bytes`);
    return;
  }
  const mediaTypes = Object.keys(declared.content);
  if (!mediaTypes.some((m) => mediaMatches(m, contentType))) {
    return void violations.push(`${label}: content-type "${contentType}" is not one of ${mediaTypes.join(', ')}`);
  }
  if (contentType === 'application/json') {
    const body = await response.json().catch(() => Symbol('invalid JSON'));
    if (typeof body === 'symbol') return void violations.push(`${label}: body is not valid JSON`);
    const result = api.validateResponse(body, operation, response.status);
    if (result.errors?.length) {
      violations.push(`${label}: body does not match the spec: ${JSON.stringify(result.errors.slice(0, 5))} body=${JSON.stringify(body).slice(0, 500)}`);
    }
  } else if (contentType === 'text/event-stream') {
    await checkEventStream(label, response);
  }
}

async function checkEventStream(label: string, response: Response) {
  const { chunk, error } = await components();
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  let sawDone = false;
  try {
    for await (const part of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(part, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of frame.split('\n')) {
          if (!line.startsWith('data:')) continue;
          const data = line.slice(5).trim();
          if (sawDone) violations.push(`${label}: data after [DONE]`);
          if (data === '[DONE]') {
            sawDone = true;
            continue;
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(data);
          } catch {
            violations.push(`${label}: SSE data is not JSON: ${data.slice(0, 200)}`);
            continue;
          }
          if (!chunk(parsed) && !error(parsed)) {
            violations.push(`${label}: SSE frame matches neither ChatCompletionChunk nor the error envelope: ${data.slice(0, 300)} ${JSON.stringify(chunk.errors)}`);
          }
        }
      }
    }
  } catch {
    // The test aborted the stream on purpose; what arrived was checked.
  }
}

function toUrl(input: string | URL | Request): URL {
  if (input instanceof URL) return input;
  if (typeof input === 'string') return new URL(input);
  return new URL(input.url);
}

/** Wraps fetch so every answer from a registered T66 server is checked (on a clone; the caller's body is untouched). */
export function contractFetch(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    let url: URL;
    try {
      url = toUrl(input as string | URL | Request);
    } catch {
      return response;
    }
    if (!servers.has(url.origin) || !url.pathname.startsWith('/api')) return response;
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const job = check(method, url, response.clone()).catch((err: unknown) => {
      violations.push(`${describe(method, url, response.status)}: contract check crashed: ${String(err)}`);
    });
    pending.add(job);
    void job.finally(() => pending.delete(job));
    return response;
  };
}

/** Waits for checks still reading bodies (streams), up to a limit, and returns and clears what failed. */
export async function drainViolations(timeoutMs = 5000): Promise<string[]> {
  const all = Promise.all([...pending]);
  await Promise.race([all, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  return violations.splice(0, violations.length);
}
