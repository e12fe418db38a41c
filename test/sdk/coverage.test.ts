/**
 * The JS SDK exposes the whole contract: every operation of openapi.yaml has a method, and every
 * server event of asyncapi.yaml's socket is a type `realtime.on()` knows. A new operation in the
 * spec fails here (and, once `npm run generate` ran, fails to compile in sdk/js/src/operations.ts).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OPERATION_METHODS, REALTIME_EVENT_TYPES, T66Client } from '../../sdk/js/src/index.js';

const read = (file: string) => parse(fs.readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')) as Record<string, unknown>;

function specOperationIds(): string[] {
  const paths = read('openapi.yaml').paths as Record<string, Record<string, { operationId?: string }>>;
  const methods = new Set(['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace']);
  return Object.values(paths).flatMap((item) =>
    Object.entries(item)
      .filter(([method]) => methods.has(method))
      .map(([, operation]) => operation.operationId ?? '(missing operationId)'),
  );
}

function methodAt(target: object, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], target);
}

describe('the JS SDK covers openapi.yaml', () => {
  it('maps every operationId of the spec to a method, and nothing else', () => {
    expect(Object.keys(OPERATION_METHODS).sort()).toEqual(specOperationIds().sort());
  });

  it('has a function on a real client at every mapped place', () => {
    const client = new T66Client({ apiUrl: 'http://127.0.0.1:1' });
    const missing = Object.entries(OPERATION_METHODS).filter(([, place]) => typeof methodAt(client, place) !== 'function');
    expect(missing).toEqual([]);
  });
});

describe('the JS SDK covers asyncapi.yaml', () => {
  it('knows the type of every event the server sends on the socket', () => {
    const spec = read('asyncapi.yaml') as {
      operations: Record<string, { action: string; channel: { $ref: string }; messages: { $ref: string }[] }>;
    };
    const resolve = (ref: string) => ref.slice(2).split('/').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], spec) as Record<string, unknown>;
    // In AsyncAPI 3, `send` is what the server sends; follow channel message -> component message -> name.
    const sent = Object.values(spec.operations)
      .filter((op) => op.action === 'send' && op.channel.$ref === '#/channels/realtime')
      .flatMap((op) => op.messages.map((m) => resolve(m.$ref)))
      .map((message) => (typeof message.$ref === 'string' ? resolve(message.$ref) : message).name);
    expect([...REALTIME_EVENT_TYPES].sort()).toEqual([...new Set(sent)].sort());
  });
});
