import { randomBytes } from 'node:crypto';
import { registerUser } from '../../generated/sdk.gen.js';
import type { User } from '../../generated/types.gen.js';
import { apiClient } from './client.js';

export interface TestUser {
  user: User;
  token: string;
  email: string;
  password: string;
}

let counter = 0;

/** Registers a new user with a unique email and answers its token. */
export async function createUser(api: string, overrides: { email?: string; password?: string; name?: string } = {}): Promise<TestUser> {
  const email = overrides.email ?? `user${++counter}.${randomBytes(4).toString('hex')}@example.com`;
  const password = overrides.password ?? 'correct horse battery';
  const { data, error, response } = await registerUser({
    client: apiClient(api),
    body: { email, password, name: overrides.name ?? 'Test User' },
  });
  if (!data) throw new Error(`register failed: ${response.status} ${JSON.stringify(error)}`);
  return { user: data.user, token: data.token, email, password };
}

// Webhooks (test/webhooks).
import { createWebhook } from '../../generated/sdk.gen.js';
import type { WebhookCreated, WebhookEventType } from '../../generated/types.gen.js';

/** Registers a webhook for the user behind `token` and answers it with its secret (shown only at creation). */
export async function createTestWebhook(
  api: string,
  token: string,
  body: { url: string; events?: WebhookEventType[]; secret?: string },
): Promise<WebhookCreated> {
  const { data, error, response } = await createWebhook({
    client: apiClient(api, token),
    body: { url: body.url, events: body.events ?? ['chat.message.created', 'chat.completed'], ...(body.secret ? { secret: body.secret } : {}) },
  });
  if (!data) throw new Error(`webhook registration failed: ${response.status} ${JSON.stringify(error)}`);
  return data;
}

// Files (test/files, test/images).
import { uploadFile } from '../../generated/sdk.gen.js';
import type { FileObject } from '../../generated/types.gen.js';

/** Uploads one file through the generated client as the user behind `token`. */
export async function uploadTestFile(
  api: string,
  token: string,
  file: { name?: string; type?: string; content?: string | Uint8Array } = {},
): Promise<FileObject> {
  const content = file.content ?? `hello from a test file ${randomBytes(4).toString('hex')}\n`;
  const { data, error, response } = await uploadFile({
    client: apiClient(api, token),
    body: { file: new File([typeof content === 'string' ? content : new Uint8Array(content)], file.name ?? 'notes.txt', { type: file.type ?? 'text/plain' }) },
  });
  if (!data) throw new Error(`upload failed: ${response.status} ${JSON.stringify(error)}`);
  return data;
}

// Records (test/records).
import { createChat, createMessage } from '../../generated/sdk.gen.js';
import type { Chat, ChatCreate, Message, MessageCreate } from '../../generated/types.gen.js';

/** Creates a chat through the generated client as the user behind `token`. */
export async function createTestChat(api: string, token: string, body: ChatCreate = {}): Promise<Chat> {
  const { data, error, response } = await createChat({ client: apiClient(api, token), body });
  if (!data) throw new Error(`chat create failed: ${response.status} ${JSON.stringify(error)}`);
  return data;
}

/** Adds a message to a chat through the generated client. */
export async function createTestMessage(api: string, token: string, body: MessageCreate): Promise<Message> {
  const { data, error, response } = await createMessage({ client: apiClient(api, token), body });
  if (!data) throw new Error(`message create failed: ${response.status} ${JSON.stringify(error)}`);
  return data;
}
