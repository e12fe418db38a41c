import type { Handlers } from './http/handler-types.js';
import { authHandlers } from './auth/handlers.js';
import { systemHandlers } from './system/handlers.js';
import { recordHandlers } from './records/handlers.js';
import { fileHandlers } from './files/handlers.js';
import { imageHandlers } from './images/handlers.js';
import { searchHandlers } from './search/handlers.js';
import { webhookHandlers } from './webhooks/handlers.js';
import { completionHandlers } from './completions/handlers.js';
import { modelHandlers } from './models/handlers.js';

/** Every operation of openapi.yaml, wired to its module. */
export const handlers: Handlers = {
  ...authHandlers,
  ...systemHandlers,
  ...recordHandlers,
  ...completionHandlers,
  ...modelHandlers,
  // images, files, search
  ...imageHandlers,
  ...fileHandlers,
  ...searchHandlers,
  ...webhookHandlers,
};
