import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Chat, Message } from '../../generated/types.gen.js';
import type { DomainEvent } from '../events/types.js';
import { projectRoot } from '../http/spec.js';
import { validationDetails } from '../http/validation.js';

/** Frames a client sends (asyncapi.yaml: JoinFrame, LeaveFrame, TypingClientFrame). */
export type ClientFrame =
  | { type: 'join'; chat_id: string }
  | { type: 'leave'; chat_id: string }
  | { type: 'typing'; chat_id: string; user_id?: string };

/** Frames the server sends (asyncapi.yaml: the *Event schemas). */
export type ServerFrame =
  | { type: 'typing'; chat_id: string; user_id: string }
  | { type: 'presence'; chat_id: string; user_id: string; state: 'joined' | 'left' }
  | { type: 'message.created'; chat_id: string; message: Message }
  | { type: 'message.delta'; chat_id: string; message_id: string; delta: string }
  | { type: 'chat.updated'; chat_id: string; chat: Chat }
  | { type: 'chat.deleted'; chat_id: string }
  | ErrorFrame;

export interface ErrorFrame {
  type: 'error';
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function errorFrame(code: string, message: string, details?: Record<string, unknown>): ErrorFrame {
  return { type: 'error', error: details ? { code, message, details } : { code, message } };
}

const CLIENT_SCHEMAS: Record<ClientFrame['type'], string> = {
  join: 'JoinFrame',
  leave: 'LeaveFrame',
  typing: 'TypingClientFrame',
};

export type FrameParser = (text: string) => { frame: ClientFrame } | { error: ErrorFrame };

/**
 * Reads client frames, validated against the schemas of asyncapi.yaml (loaded
 * once at start), so the contract and the server cannot drift apart.
 */
export function createFrameParser(file = path.join(projectRoot(), 'asyncapi.yaml')): FrameParser {
  const document = YAML.parse(fs.readFileSync(file, 'utf8')) as { components: { schemas: Record<string, object> } };
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  // The schemas refer to each other as '#/components/schemas/X'; keep that shape under one id.
  ajv.addSchema({ $id: 'asyncapi', components: { schemas: document.components.schemas } });
  const validators = Object.fromEntries(
    Object.entries(CLIENT_SCHEMAS).map(([type, schema]) => [type, ajv.getSchema(`asyncapi#/components/schemas/${schema}`)!]),
  ) as Record<ClientFrame['type'], ValidateFunction>;

  return (text) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { error: errorFrame('invalid_json', 'The frame is not valid JSON') };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { error: errorFrame('invalid_frame', 'A frame must be a JSON object with a "type"') };
    }
    const type = (value as { type?: unknown }).type;
    if (type === undefined) {
      return { error: errorFrame('invalid_frame', 'The frame is missing required fields', { missing_fields: ['type'] }) };
    }
    if (typeof type !== 'string' || !Object.hasOwn(validators, type)) {
      return {
        error: errorFrame('unknown_type', `Unknown frame type; expected one of: ${Object.keys(validators).join(', ')}`, {
          allowed: Object.keys(validators),
        }),
      };
    }
    const validate = validators[type as ClientFrame['type']];
    if (!validate(value)) {
      const details = validationDetails(validate.errors ?? []);
      const message = details.missing_fields ? 'The frame is missing required fields' : 'The frame is invalid';
      return { error: errorFrame('invalid_frame', message, { ...details }) };
    }
    return { frame: value as ClientFrame };
  };
}

/** The WebSocket frame a domain event becomes, or undefined for events sockets do not see. */
export function frameForEvent(event: DomainEvent): ServerFrame | undefined {
  switch (event.type) {
    case 'message.created':
      return { type: 'message.created', chat_id: event.chatId, message: event.message };
    case 'message.delta':
      return { type: 'message.delta', chat_id: event.chatId, message_id: event.messageId, delta: event.delta };
    case 'chat.updated':
      return { type: 'chat.updated', chat_id: event.chatId, chat: event.chat };
    case 'chat.deleted':
      return { type: 'chat.deleted', chat_id: event.chatId };
    case 'chat.completed':
      return undefined; // a webhook event; the room already saw the deltas and the stored message
  }
}
