import type { Handlers } from '../http/handler-types.js';
import { notFound, unauthorized } from '../http/errors.js';
import { deleteWebhook, listWebhooks, recentDeliveries, webhookExists } from './queries.js';
import { registerWebhook, toDelivery, toWebhook } from './registration.js';

type WebhookHandlers = Pick<Handlers, 'createWebhook' | 'listWebhooks' | 'deleteWebhook' | 'listWebhookDeliveries'>;

const callerOf = (auth: { userId: string } | undefined) => {
  if (!auth) throw unauthorized();
  return auth.userId;
};

export const webhookHandlers: WebhookHandlers = {
  async createWebhook({ body }, { app, auth }) {
    return { status: 200, body: await registerWebhook(app, callerOf(auth), body) };
  },
  async listWebhooks(_input, { app, auth }) {
    const rows = await listWebhooks(app.db, callerOf(auth));
    return { status: 200, body: { data: rows.map(toWebhook) } };
  },
  async deleteWebhook({ path }, { app, auth }) {
    if (!(await deleteWebhook(app.db, callerOf(auth), path.id))) throw notFound('No such webhook');
    return { status: 204 };
  },
  async listWebhookDeliveries({ path }, { app, auth }) {
    if (!(await webhookExists(app.db, callerOf(auth), path.id))) throw notFound('No such webhook');
    const rows = await recentDeliveries(app.db, path.id);
    return { status: 200, body: { data: rows.map(toDelivery) } };
  },
};
