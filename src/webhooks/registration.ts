import type { AppContext } from '../app-context.js';
import { newId } from '../db/ids.js';
import { badRequest } from '../http/errors.js';
import { assertPublicUrl, UnsafeUrlError } from '../net/ssrf.js';
import type { Webhook, WebhookCreate, WebhookCreated, WebhookDelivery, WebhookEventType } from '../../generated/types.gen.js';
import { countWebhooks, insertWebhook, type DeliveryRow, type WebhookRow } from './queries.js';
import { generateSecret, secretHint, secretProblem } from './secrets.js';

const invalidField = (path: string, message: string) => badRequest(`${path.slice(1)} ${message}`, { errors: [{ path, message }] });

/** Rules beyond the address: a URL that is stored, listed back and sent to must be plain. */
function webhookUrlProblem(raw: string): string | undefined {
  if (/[\u0000-\u0020\u007f]/.test(raw)) return 'must not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a valid URL';
  }
  if (url.username || url.password) return 'must not carry credentials; use the signing secret to authenticate deliveries';
  if (url.port === '0') return 'port 0 is not a valid destination';
  return undefined;
}

/** Registers a webhook for the caller; the secret is stored encrypted and answered in clear only here. */
export async function registerWebhook(app: AppContext, userId: string, input: WebhookCreate): Promise<WebhookCreated> {
  const { maxPerUser, allowPrivate } = app.webhookConfig;
  const shapeProblem = webhookUrlProblem(input.url);
  if (shapeProblem) throw invalidField('/url', shapeProblem);
  try {
    await assertPublicUrl(input.url, { allowPrivate });
  } catch (err) {
    if (err instanceof UnsafeUrlError) throw invalidField('/url', err.reason);
    throw err;
  }
  const secret = input.secret ?? generateSecret();
  const problem = secretProblem(secret);
  if (problem) throw invalidField('/secret', problem);
  if ((await countWebhooks(app.db, userId)) >= maxPerUser) {
    throw badRequest(`An account can have at most ${maxPerUser} webhooks; delete one first`, { limit: maxPerUser });
  }
  const row: WebhookRow = {
    id: newId('wh'),
    user_id: userId,
    url: input.url,
    events: input.events,
    secret: app.encryptor.encrypt(secret),
    secret_hint: secretHint(secret),
    created: new Date(),
  };
  await insertWebhook(app.db, row);
  return { ...toWebhook(row), secret };
}

export function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: row.events as WebhookEventType[],
    secret_hint: row.secret_hint,
    created: row.created.toISOString(),
  };
}

export function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    webhook: row.webhook_id,
    event_type: row.event_type as WebhookEventType,
    status: row.status,
    attempts: row.attempts,
    response_status: row.response_status,
    duration_ms: row.duration_ms,
    error: row.error,
    created: row.created.toISOString(),
    last_attempt_at: row.last_attempt_at?.toISOString() ?? null,
    next_attempt_at: row.next_attempt_at?.toISOString() ?? null,
  };
}
