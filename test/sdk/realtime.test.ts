/**
 * client.realtime against a running T66: rooms, typing, events from REST and completions, and
 * reconnection (through a TCP relay the test cuts, as a network drop would) with rejoined rooms.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RealtimeEvent, T66Client } from '../../sdk/js/src/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { eventually, sdkClient, signedUpClient } from './support.js';

/** A TCP relay to the server whose connections the test can cut. */
async function startRelay(target: URL) {
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((inbound) => {
    const outbound = net.connect(Number(target.port), target.hostname);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const { port } = relay.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    cutAll: () => sockets.forEach((socket) => socket.destroy()),
    close: () => new Promise<void>((resolve) => relay.close(() => resolve())),
  };
}

function recorder(client: T66Client) {
  const events: RealtimeEvent[] = [];
  client.realtime.on('*', (event) => events.push(event));
  return events;
}

let server: TestServer;
const opened: T66Client[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => {
  for (const client of opened) client.realtime.close();
});

/** A second client of the same user: another tab. */
function tabOf(client: T66Client, options: Parameters<typeof sdkClient>[1] = {}) {
  const tab = sdkClient(server, { token: client.token, ...options });
  opened.push(tab);
  return tab;
}

describe('rooms and typing between two tabs', () => {
  it('joins, sees presence and typing from the other tab, and leaves', async () => {
    const { client } = await signedUpClient(server);
    const chat = await client.chats.create({ title: 'Live' });
    const a = tabOf(client);
    const b = tabOf(client);
    await a.realtime.connect();
    await b.realtime.connect();
    const seenByA = recorder(a);
    const seenByB = recorder(b);
    await a.realtime.join(chat.id);
    await b.realtime.join(chat.id);
    await eventually(() => seenByA.some((e) => e.type === 'presence' && e.state === 'joined' && seenByA.filter((x) => x.type === 'presence').length >= 2), 'A to see B join');

    b.realtime.typing(chat.id);
    await eventually(() => seenByA.some((e) => e.type === 'typing'), 'typing at A');
    expect(seenByA.find((e) => e.type === 'typing')).toMatchObject({ type: 'typing', chat_id: chat.id });
    expect(seenByB.some((e) => e.type === 'typing')).toBe(false);

    b.realtime.leave(chat.id);
    await eventually(() => seenByA.some((e) => e.type === 'presence' && e.state === 'left'), 'A to see B leave');
    expect([...b.realtime.rooms]).toEqual([]);
  });

  it('rejects joining a chat the user does not own with a forbidden T66Error, and forgets that room', async () => {
    const { client } = await signedUpClient(server);
    const { client: other } = await signedUpClient(server);
    const theirs = await other.chats.create({ title: 'not yours' });
    const tab = tabOf(client);
    await tab.realtime.connect();
    await expect(tab.realtime.join(theirs.id)).rejects.toMatchObject({ code: 'forbidden' });
    expect(tab.realtime.rooms.has(theirs.id)).toBe(false);
  });
});

describe('events from REST and from completions', () => {
  it('delivers message.created for a message stored over REST, and message.delta for a streamed answer', async () => {
    const { client } = await signedUpClient(server);
    const chat = await client.chats.create({ title: 'Events', settings: { model: 'local-dev' } });
    const tab = tabOf(client);
    const events = recorder(tab);
    await tab.realtime.connect();
    await tab.realtime.join(chat.id);

    const message = await client.messages.create({ chat: chat.id, content: 'over REST' });
    await eventually(() => events.some((e) => e.type === 'message.created' && e.message.id === message.id), 'message.created');

    const answer = await (await client.chat.completions.create({ chat: chat.id, messages: [{ role: 'user', content: 'stream into the room' }], stream: true })).finalCompletion();
    const text = answer.choices[0].message.content ?? '';
    await eventually(() => events.filter((e) => e.type === 'message.delta').map((e) => (e.type === 'message.delta' ? e.delta : '')).join('') === text, 'the deltas to add up to the answer');
  });
});

describe('reconnecting', () => {
  it('reconnects after the connection drops, rejoins its rooms, and receives events again', async () => {
    const { client } = await signedUpClient(server);
    const chat = await client.chats.create({ title: 'Flaky network' });
    const relay = await startRelay(new URL(server.url));
    const tab = tabOf(client, { apiUrl: relay.url, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    try {
      const events = recorder(tab);
      const opens: boolean[] = [];
      tab.realtime.on('open', (e) => opens.push(e.reconnected));
      const closes: number[] = [];
      tab.realtime.on('close', (e) => closes.push(e.code));
      await tab.realtime.connect();
      await tab.realtime.join(chat.id);

      relay.cutAll();
      await eventually(() => opens.length === 2, 'the reconnect');
      expect(opens).toEqual([false, true]);
      expect(closes).toHaveLength(1);
      await eventually(() => events.filter((e) => e.type === 'presence' && e.state === 'joined').length >= 2, 'the rejoin');

      const message = await client.messages.create({ chat: chat.id, content: 'after the drop' });
      await eventually(() => events.some((e) => e.type === 'message.created' && e.message.id === message.id), 'message.created after reconnect');
      expect(tab.realtime.state).toBe('open');
    } finally {
      tab.realtime.close();
      relay.cutAll();
      await relay.close();
    }
  });

  it('reconnects with the new token when a refresh revokes the one the socket used', async () => {
    const { client } = await signedUpClient(server);
    const chat = await client.chats.create({ title: 'Rotating' });
    const tab = tabOf(client, { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    const opens: boolean[] = [];
    tab.realtime.on('open', (e) => opens.push(e.reconnected));
    const closes: number[] = [];
    tab.realtime.on('close', (e) => closes.push(e.code));
    await tab.realtime.connect();
    await tab.realtime.join(chat.id);

    await tab.auth.refresh();
    await eventually(() => opens.length === 2, 'the reconnect with the new token');
    expect(closes).toEqual([4001]);
    expect(tab.realtime.rooms.has(chat.id)).toBe(true);
  });

  it('stops for good after logout (the token is revoked and none is left)', async () => {
    const { client } = await signedUpClient(server);
    const tab = tabOf(client, { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    const closes: { code: number; willReconnect: boolean }[] = [];
    tab.realtime.on('close', (e) => closes.push(e));
    await tab.realtime.connect();
    await tab.auth.logout();
    await eventually(() => closes.length === 1, 'the close');
    expect(closes[0]).toEqual(expect.objectContaining({ code: 4001, willReconnect: false }));
    expect(tab.realtime.state).toBe('closed');
  });

  it('refuses to connect without a token, and rejects connect() when the server refuses the token', async () => {
    await expect(sdkClient(server).realtime.connect()).rejects.toThrow(/needs a token/);
    const bad = sdkClient(server, { token: 'not-a-jwt' });
    await expect(bad.realtime.connect()).rejects.toMatchObject({ code: 'connection_error' });
    expect(bad.realtime.state).toBe('closed');
  });
});
