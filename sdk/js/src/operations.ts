import type * as operations from './generated/sdk.gen.js';

/**
 * Where each operation of openapi.yaml lives on a T66Client. Keyed by the generated operation
 * functions, so a new operation in the spec does not compile until it has a method here;
 * test/sdk/operations.test.ts also checks the map against openapi.yaml and a live client.
 */
export const OPERATION_METHODS: Record<keyof typeof operations, string> = {
  registerUser: 'auth.register',
  loginUser: 'auth.login',
  logoutUser: 'auth.logout',
  refreshToken: 'auth.refresh',
  authWithPassword: 'auth.authWithPassword',
  authRefresh: 'auth.authRefresh',
  listChats: 'chats.list',
  createChat: 'chats.create',
  getChat: 'chats.get',
  updateChat: 'chats.update',
  deleteChat: 'chats.delete',
  listMessages: 'messages.list',
  createMessage: 'messages.create',
  getMessage: 'messages.get',
  updateMessage: 'messages.update',
  deleteMessage: 'messages.delete',
  listUserSettings: 'settings.list',
  createUserSettings: 'settings.create',
  getUserSettings: 'settings.get',
  updateUserSettings: 'settings.update',
  deleteUserSettings: 'settings.delete',
  createChatCompletion: 'chat.completions.create',
  listModels: 'models.list',
  generateImage: 'images.generate',
  uploadFile: 'files.upload',
  getFile: 'files.get',
  deleteFile: 'files.delete',
  downloadFile: 'files.download',
  searchWeb: 'search.web',
  createWebhook: 'webhooks.create',
  listWebhooks: 'webhooks.list',
  deleteWebhook: 'webhooks.delete',
  listWebhookDeliveries: 'webhooks.deliveries',
  getHealth: 'health',
};
