import type { AppContext } from '../app-context.js';
import { ApiError, badRequest } from '../http/errors.js';
import { assertFilesOwned } from '../files/ownership.js';
import { attachmentParts } from '../files/attachments.js';
import type { CatalogueModel } from '../models/catalogue.js';
import type { ChatCompletionMessage, ChatCompletionRequest, ChatContentPart } from '../../generated/types.gen.js';
import type { OpenAIRequestBody } from '../providers/types.js';
import { loadOwnedChat } from './persist.js';

/** A request ready for the providers, with what the gateway itself needs to know about it. */
export interface PreparedCompletion {
  /** The model the client asked for (or the chat's), as the catalogue has it. */
  model: CatalogueModel;
  body: OpenAIRequestBody;
  stream: boolean;
  includeUsage: boolean;
  /** Set when the answer is stored in one of the caller's chats. */
  chatId: string | undefined;
}

/**
 * Checks and completes the client's request: the model (from the request, else
 * the chat's settings), the messages, the chat's temperature and system message
 * as defaults, and attachments expanded into content parts.
 */
export async function prepareCompletion(app: AppContext, userId: string, request: ChatCompletionRequest): Promise<PreparedCompletion> {
  const { model: requestedModel, messages, chat: chatId, stream, stream_options, ...rest } = request;
  const chat = chatId !== undefined ? await loadOwnedChat(app, userId, chatId) : undefined;
  const modelId = requestedModel || chat?.model || '';

  const missing = [...(modelId ? [] : ['model']), ...(messages ? [] : ['messages'])];
  if (missing.length > 0) {
    throw badRequest('The request is missing required parameters', {
      missing_fields: missing,
      errors: missing.map((field) => ({ path: `/${field}`, message: 'is required' })),
    });
  }
  if (messages!.length === 0) {
    throw badRequest('`messages` must hold at least one message', { errors: [{ path: '/messages', message: 'must not be empty' }] });
  }
  const model = app.completions.catalogue.models.get(modelId);
  if (!model) throw new ApiError(404, 'model_not_found', `The model '${modelId}' does not exist`, { model: modelId });

  let prepared = await expandAttachments(app, userId, messages!, model);
  if (chat?.systemMessage && !prepared.some((m) => m.role === 'system' || m.role === 'developer')) {
    prepared = [{ role: 'system', content: chat.systemMessage }, ...prepared];
  }
  const body: OpenAIRequestBody = { ...rest, messages: prepared };
  if (body.temperature === undefined && chat?.temperature !== undefined) body.temperature = chat.temperature;

  return {
    model,
    body,
    stream: stream === true,
    includeUsage: stream_options?.include_usage === true,
    chatId: chat?.id,
  };
}

/** T66's `attachments: [file ids]` on a message become content parts (images for vision models, text for text files). */
async function expandAttachments(
  app: AppContext,
  userId: string,
  messages: ChatCompletionMessage[],
  model: CatalogueModel,
): Promise<ChatCompletionMessage[]> {
  const fileIds = messages.flatMap((m) => m.attachments ?? []);
  if (fileIds.length === 0) return messages.map(withoutAttachments);
  await assertFilesOwned(app, userId, fileIds);
  // About half the context window, at ~4 characters a token, so text files leave room for the conversation.
  const options = { vision: model.vision, maxTextChars: model.context_length * 2 };
  return Promise.all(
    messages.map(async (message) => {
      if (!message.attachments?.length) return withoutAttachments(message);
      const parts = await attachmentParts(app, userId, message.attachments, options);
      return { ...withoutAttachments(message), content: [...contentParts(message.content), ...parts] };
    }),
  );
}

function withoutAttachments(message: ChatCompletionMessage): ChatCompletionMessage {
  if (message.attachments === undefined) return message;
  const { attachments: _attachments, ...rest } = message;
  return rest as ChatCompletionMessage;
}

function contentParts(content: ChatCompletionMessage['content']): ChatContentPart[] {
  if (content === undefined || content === null || content === '') return [];
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}
