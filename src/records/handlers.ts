import type { Handlers, AuthUser } from '../http/handler-types.js';
import { notFound, unauthorized } from '../http/errors.js';
import { assertUtf8Query, planList } from './list.js';
import { chatFields, createChat, deleteChat, getOwnedChat, listChats, updateChat } from './chats.js';
import { createMessage, deleteMessage, getOwnedMessage, listMessages, messageFields, updateMessage } from './messages.js';
import {
  createUserSettings,
  getOwnedUserSettings,
  listUserSettings,
  refuseUserSettingsDelete,
  toUserSettings,
  updateUserSettings,
  userSettingsFields,
} from './user-settings.js';

type RecordHandlers = Pick<
  Handlers,
  | 'listChats'
  | 'createChat'
  | 'getChat'
  | 'updateChat'
  | 'deleteChat'
  | 'listMessages'
  | 'createMessage'
  | 'getMessage'
  | 'updateMessage'
  | 'deleteMessage'
  | 'listUserSettings'
  | 'createUserSettings'
  | 'getUserSettings'
  | 'updateUserSettings'
  | 'deleteUserSettings'
>;

function caller(auth: AuthUser | undefined): string {
  if (!auth) throw unauthorized();
  return auth.userId;
}

export const recordHandlers: RecordHandlers = {
  async listChats({ query }, { app, auth, req }) {
    const userId = caller(auth);
    assertUtf8Query(req.originalUrl);
    return { status: 200, body: await listChats(app.db, userId, planList(query, chatFields, userId)) };
  },
  async createChat({ body }, { app, auth }) {
    return { status: 200, body: await createChat(app, caller(auth), body) };
  },
  async getChat({ path }, { app, auth }) {
    const chat = await getOwnedChat(app.db, caller(auth), path.id);
    if (!chat) throw notFound();
    return { status: 200, body: chat };
  },
  async updateChat({ path, body }, { app, auth }) {
    return { status: 200, body: await updateChat(app, caller(auth), path.id, body) };
  },
  async deleteChat({ path }, { app, auth }) {
    await deleteChat(app, caller(auth), path.id);
    return { status: 204 };
  },

  async listMessages({ query }, { app, auth, req }) {
    const userId = caller(auth);
    assertUtf8Query(req.originalUrl);
    return { status: 200, body: await listMessages(app.db, userId, planList(query, messageFields, userId)) };
  },
  async createMessage({ body }, { app, auth }) {
    return { status: 200, body: await createMessage(app, caller(auth), body) };
  },
  async getMessage({ path }, { app, auth }) {
    const message = await getOwnedMessage(app.db, caller(auth), path.id);
    if (!message) throw notFound();
    return { status: 200, body: message };
  },
  async updateMessage({ path, body }, { app, auth }) {
    return { status: 200, body: await updateMessage(app, caller(auth), path.id, body) };
  },
  async deleteMessage({ path }, { app, auth }) {
    await deleteMessage(app, caller(auth), path.id);
    return { status: 204 };
  },

  async listUserSettings({ query }, { app, auth, req }) {
    const userId = caller(auth);
    assertUtf8Query(req.originalUrl);
    return { status: 200, body: await listUserSettings(app, userId, planList(query, userSettingsFields, userId)) };
  },
  async createUserSettings({ body }, { app, auth }) {
    return { status: 200, body: await createUserSettings(app, caller(auth), body) };
  },
  async getUserSettings({ path }, { app, auth }) {
    const row = await getOwnedUserSettings(app.db, caller(auth), path.id);
    if (!row) throw notFound();
    return { status: 200, body: toUserSettings(row, app.encryptor) };
  },
  async updateUserSettings({ path, body }, { app, auth }) {
    return { status: 200, body: await updateUserSettings(app, caller(auth), path.id, body) };
  },
  async deleteUserSettings({ path }, { app, auth }) {
    return refuseUserSettingsDelete(app.db, caller(auth), path.id);
  },
};
