import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type * as sdk from '../../generated/sdk.gen.js';
import type * as T from '../../generated/types.gen.js';
import type { AppContext } from '../app-context.js';

/** The caller, as proven by a verified, unrevoked token. */
export interface AuthUser {
  userId: string;
  jti: string;
  expires: Date;
}

/** What every handler gets besides its typed input. */
export interface RequestScope {
  app: AppContext;
  req: Request;
  res: Response;
  requestId: string;
  log: Logger;
  /** Present on every operation whose security requires a token. */
  auth: AuthUser | undefined;
}

type ResponseHeaders = Record<string, string>;

/** One of the operation's declared responses, with its status and typed body. */
export type Reply<R> = {
  [S in keyof R & number]: R[S] extends void | undefined
    ? { status: S; headers?: ResponseHeaders }
    : { status: S; body: R[S]; headers?: ResponseHeaders };
}[keyof R & number];

/** Answered when the handler wrote the response itself (SSE, file downloads). */
export interface Streamed {
  status: 'streamed';
}

export interface HandlerInput<D extends { body?: unknown; path?: unknown; query?: unknown }> {
  body: D['body'];
  path: D['path'];
  query: D['query'];
}

export type Handler<D extends { body?: unknown; path?: unknown; query?: unknown }, R> = (
  input: HandlerInput<D>,
  scope: RequestScope,
) => Promise<Reply<R> | Streamed>;

/**
 * One handler per operationId of openapi.yaml. The check at the bottom makes an
 * operation added to the spec without an entry here a compile error.
 */
export interface Handlers {
  registerUser: Handler<T.RegisterUserData, T.RegisterUserResponses>;
  loginUser: Handler<T.LoginUserData, T.LoginUserResponses>;
  logoutUser: Handler<T.LogoutUserData, T.LogoutUserResponses>;
  refreshToken: Handler<T.RefreshTokenData, T.RefreshTokenResponses>;
  authWithPassword: Handler<T.AuthWithPasswordData, T.AuthWithPasswordResponses>;
  authRefresh: Handler<T.AuthRefreshData, T.AuthRefreshResponses>;
  listChats: Handler<T.ListChatsData, T.ListChatsResponses>;
  createChat: Handler<T.CreateChatData, T.CreateChatResponses>;
  deleteChat: Handler<T.DeleteChatData, T.DeleteChatResponses>;
  getChat: Handler<T.GetChatData, T.GetChatResponses>;
  updateChat: Handler<T.UpdateChatData, T.UpdateChatResponses>;
  listMessages: Handler<T.ListMessagesData, T.ListMessagesResponses>;
  createMessage: Handler<T.CreateMessageData, T.CreateMessageResponses>;
  deleteMessage: Handler<T.DeleteMessageData, T.DeleteMessageResponses>;
  getMessage: Handler<T.GetMessageData, T.GetMessageResponses>;
  updateMessage: Handler<T.UpdateMessageData, T.UpdateMessageResponses>;
  listUserSettings: Handler<T.ListUserSettingsData, T.ListUserSettingsResponses>;
  createUserSettings: Handler<T.CreateUserSettingsData, T.CreateUserSettingsResponses>;
  deleteUserSettings: Handler<T.DeleteUserSettingsData, T.DeleteUserSettingsResponses>;
  getUserSettings: Handler<T.GetUserSettingsData, T.GetUserSettingsResponses>;
  updateUserSettings: Handler<T.UpdateUserSettingsData, T.UpdateUserSettingsResponses>;
  createChatCompletion: Handler<T.CreateChatCompletionData, T.CreateChatCompletionResponses>;
  listModels: Handler<T.ListModelsData, T.ListModelsResponses>;
  generateImage: Handler<T.GenerateImageData, T.GenerateImageResponses>;
  uploadFile: Handler<T.UploadFileData, T.UploadFileResponses>;
  deleteFile: Handler<T.DeleteFileData, T.DeleteFileResponses>;
  getFile: Handler<T.GetFileData, T.GetFileResponses>;
  downloadFile: Handler<T.DownloadFileData, T.DownloadFileResponses>;
  searchWeb: Handler<T.SearchWebData, T.SearchWebResponses>;
  listWebhooks: Handler<T.ListWebhooksData, T.ListWebhooksResponses>;
  createWebhook: Handler<T.CreateWebhookData, T.CreateWebhookResponses>;
  deleteWebhook: Handler<T.DeleteWebhookData, T.DeleteWebhookResponses>;
  listWebhookDeliveries: Handler<T.ListWebhookDeliveriesData, T.ListWebhookDeliveriesResponses>;
  getHealth: Handler<T.GetHealthData, T.GetHealthResponses>;
}

type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const everyOperationHasAHandler: Exactly<keyof Handlers, keyof typeof sdk> = true;
void everyOperationHasAHandler;
