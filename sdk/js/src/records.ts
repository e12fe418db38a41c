/** `client.chats`, `client.messages`, `client.settings`: the PocketBase-style record collections. */
import {
  createChat,
  createMessage,
  createUserSettings,
  deleteChat,
  deleteMessage,
  deleteUserSettings,
  getChat,
  getMessage,
  getUserSettings,
  listChats,
  listMessages,
  listUserSettings,
  updateChat,
  updateMessage,
  updateUserSettings,
} from './generated/sdk.gen.js';
import type {
  Chat,
  ChatCreate,
  ChatList,
  ChatUpdate,
  ListChatsData,
  Message,
  MessageCreate,
  MessageList,
  MessageUpdate,
  UserSettings,
  UserSettingsList,
  UserSettingsUpdate,
} from './generated/types.gen.js';
import { NotFoundError } from './errors.js';
import { unwrap, unwrapEmpty, type Transport } from './http.js';

/** `page`, `perPage` (max 100), `sort` (e.g. `-created,title`), `filter` (build it with `client.filter`), `skipTotal`. */
export type ListParams = NonNullable<ListChatsData['query']>;

export interface Chats {
  list(params?: ListParams): Promise<ChatList>;
  create(body?: ChatCreate): Promise<Chat>;
  get(id: string): Promise<Chat>;
  /** `settings` merges key by key: keys left out keep their stored values. */
  update(id: string, body: ChatUpdate): Promise<Chat>;
  /** Deletes the chat and all its messages. */
  delete(id: string): Promise<void>;
}

export interface Messages {
  list(params?: ListParams): Promise<MessageList>;
  create(body: MessageCreate): Promise<Message>;
  get(id: string): Promise<Message>;
  update(id: string, body: MessageUpdate): Promise<Message>;
  delete(id: string): Promise<void>;
}

export interface Settings {
  /** The caller's settings record (`id` left out), or the one with this id. `api_keys` come back masked. */
  get(id?: string): Promise<UserSettings>;
  /** Updates the caller's settings (`id` left out: the client looks it up). `api_keys` merge provider by provider; `null` removes one. */
  update(body: UserSettingsUpdate, id?: string): Promise<UserSettings>;
  list(params?: ListParams): Promise<UserSettingsList>;
  /** Every user gets one settings record at registration, so the server answers 409 unless it is missing. */
  create(body: UserSettingsUpdate): Promise<UserSettings>;
  /** The settings record lives as long as its user: the server answers 403 for yours. */
  delete(id: string): Promise<void>;
}

export function createChats({ client }: Transport): Chats {
  return {
    list: (params) => unwrap(listChats({ client, query: params })),
    create: (body = {}) => unwrap(createChat({ client, body })),
    get: (id) => unwrap(getChat({ client, path: { id } })),
    update: (id, body) => unwrap(updateChat({ client, path: { id }, body })),
    delete: (id) => unwrapEmpty(deleteChat({ client, path: { id } })),
  };
}

export function createMessages({ client }: Transport): Messages {
  return {
    list: (params) => unwrap(listMessages({ client, query: params })),
    create: (body) => unwrap(createMessage({ client, body })),
    get: (id) => unwrap(getMessage({ client, path: { id } })),
    update: (id, body) => unwrap(updateMessage({ client, path: { id }, body })),
    delete: (id) => unwrapEmpty(deleteMessage({ client, path: { id } })),
  };
}

export function createSettings({ client }: Transport): Settings {
  async function own(): Promise<UserSettings> {
    const page = await unwrap(listUserSettings({ client, query: { perPage: 1 } }));
    const record = page.items[0];
    if (!record) throw new NotFoundError({ status: 404, code: 'not_found', message: 'This user has no settings record' });
    return record;
  }
  return {
    get: (id) => (id === undefined ? own() : unwrap(getUserSettings({ client, path: { id } }))),
    update: async (body, id) => unwrap(updateUserSettings({ client, path: { id: id ?? (await own()).id }, body })),
    list: (params) => unwrap(listUserSettings({ client, query: params })),
    create: (body) => unwrap(createUserSettings({ client, body })),
    delete: (id) => unwrapEmpty(deleteUserSettings({ client, path: { id } })),
  };
}
