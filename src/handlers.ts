import type { Handlers } from './http/handler-types.js';
import { notImplementedYet } from './http/not-implemented.js';
import { authHandlers } from './auth/handlers.js';
import { systemHandlers } from './system/handlers.js';

/** Every operation of openapi.yaml, wired to its module. */
export const handlers: Handlers = {
  ...authHandlers,
  ...systemHandlers,
  // records (issue: Records API)
  listChats: notImplementedYet,
  createChat: notImplementedYet,
  getChat: notImplementedYet,
  updateChat: notImplementedYet,
  deleteChat: notImplementedYet,
  listMessages: notImplementedYet,
  createMessage: notImplementedYet,
  getMessage: notImplementedYet,
  updateMessage: notImplementedYet,
  deleteMessage: notImplementedYet,
  listUserSettings: notImplementedYet,
  createUserSettings: notImplementedYet,
  getUserSettings: notImplementedYet,
  updateUserSettings: notImplementedYet,
  deleteUserSettings: notImplementedYet,
  // completions and models
  createChatCompletion: notImplementedYet,
  listModels: notImplementedYet,
  // images, files, search
  generateImage: notImplementedYet,
  uploadFile: notImplementedYet,
  getFile: notImplementedYet,
  deleteFile: notImplementedYet,
  downloadFile: notImplementedYet,
  searchWeb: notImplementedYet,
  // webhooks
  createWebhook: notImplementedYet,
  listWebhooks: notImplementedYet,
  deleteWebhook: notImplementedYet,
  listWebhookDeliveries: notImplementedYet,
};
