import type {
  ContentBlockParam,
  ImageBlockParam,
  MessageCreateParamsNonStreaming,
  MessageParam,
  TextBlockParam,
  Tool,
  ToolChoice,
} from '@anthropic-ai/sdk/resources/messages/messages';
import type { ChatCompletionMessage, ChatContentPart, Tool as OpenAITool } from '../../../generated/types.gen.js';
import { UpstreamError, type ProviderRequest } from '../types.js';

type AnthropicParams = Omit<MessageCreateParamsNonStreaming, 'stream'>;
type Turn = { role: 'user' | 'assistant'; content: ContentBlockParam[] };

/**
 * OpenAI's request in Anthropic's terms. `temperature` and `top_p` are not
 * sent: Anthropic's API version 2026-10-21, which @anthropic-ai/sdk 1.x speaks,
 * answers 400 to any sampling parameter. `seed` and `response_format` have no
 * Anthropic counterpart and are left out too.
 */
export function toAnthropicParams(request: ProviderRequest): AnthropicParams {
  const { body } = request;
  if (typeof body.n === 'number' && body.n > 1) throw badRequest('Anthropic models answer one choice only: `n` must be 1');
  const system: TextBlockParam[] = [];
  const turns: Turn[] = [];
  for (const message of body.messages) {
    if (message.role === 'system' || message.role === 'developer') {
      const text = textOf(message, 'system');
      if (text.trim()) system.push({ type: 'text', text });
    } else if (message.role === 'user') {
      addTurn(turns, 'user', contentBlocks(message.content));
    } else if (message.role === 'assistant') {
      addTurn(turns, 'assistant', [...nonBlankText(textOf(message, 'assistant')), ...toolUses(message)]);
    } else if (message.role === 'tool') {
      if (!message.tool_call_id) throw badRequest('A tool message needs `tool_call_id`');
      addTurn(turns, 'user', [{ type: 'tool_result', tool_use_id: message.tool_call_id, content: textOf(message, 'tool') }]);
    }
  }
  const params: AnthropicParams = {
    model: request.upstreamModel,
    max_tokens: body.max_completion_tokens ?? body.max_tokens ?? request.maxOutputTokens,
    messages: turns as MessageParam[],
  };
  if (system.length) params.system = system;
  const stops = stopSequences(body.stop);
  if (stops.length) params.stop_sequences = stops;
  if (body.tools?.length) params.tools = body.tools.map(toTool);
  const toolChoice = toToolChoice(body.tool_choice, body.parallel_tool_calls);
  if (toolChoice) params.tool_choice = toolChoice;
  if (typeof body.user === 'string' && body.user) params.metadata = { user_id: body.user };
  return params;
}

/** Anthropic wants user and assistant turns to alternate; consecutive messages of one role (tool results included) become one turn. */
function addTurn(turns: Turn[], role: Turn['role'], content: ContentBlockParam[]) {
  if (content.length === 0) return;
  const last = turns[turns.length - 1];
  if (last?.role === role) last.content.push(...content);
  else turns.push({ role, content });
}

function textOf(message: ChatCompletionMessage, role: string): string {
  const { content } = message;
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part) => {
      if (part.type !== 'text') throw badRequest(`A ${role} message may hold text parts only`);
      return part.text ?? '';
    })
    .join('');
}

/** Anthropic refuses empty and whitespace-only text blocks. */
function nonBlankText(text: string): TextBlockParam[] {
  return text.trim() ? [{ type: 'text', text }] : [];
}

function contentBlocks(content: ChatCompletionMessage['content']): ContentBlockParam[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return nonBlankText(content);
  return content.flatMap((part): ContentBlockParam[] => (part.type === 'image_url' ? [imageBlock(part)] : nonBlankText(part.text ?? '')));
}

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;
type ImageType = (typeof IMAGE_TYPES)[number];

/** data: URLs become base64 sources; http(s) URLs become URL sources that Anthropic fetches itself. */
function imageBlock(part: ChatContentPart): ImageBlockParam {
  const url = part.image_url?.url ?? '';
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',');
    const header = url.slice(5, comma);
    const [mediaType, ...flags] = header.split(';');
    if (comma < 0 || !flags.includes('base64')) throw badRequest('An image data: URL must be base64-encoded');
    if (!IMAGE_TYPES.includes(mediaType as ImageType)) {
      throw badRequest(`Anthropic accepts JPEG, PNG, GIF and WebP images, not ${mediaType || 'this data: URL'}`);
    }
    return { type: 'image', source: { type: 'base64', media_type: mediaType as ImageType, data: url.slice(comma + 1) } };
  }
  if (url.startsWith('https://') || url.startsWith('http://')) return { type: 'image', source: { type: 'url', url } };
  throw badRequest('An image_url must be an http(s) URL or a data: URL');
}

function toolUses(message: ChatCompletionMessage): ContentBlockParam[] {
  return (message.tool_calls ?? []).map((call) => {
    let input: unknown = {};
    if (call.function.arguments.trim()) {
      try {
        input = JSON.parse(call.function.arguments);
      } catch {
        throw badRequest(`The arguments of tool call ${call.id} are not JSON`);
      }
    }
    return { type: 'tool_use', id: call.id, name: call.function.name, input };
  });
}

function stopSequences(stop: string | string[] | undefined): string[] {
  const list = stop === undefined ? [] : Array.isArray(stop) ? stop : [stop];
  return list.filter((s) => s.trim() !== '');
}

function toTool(tool: OpenAITool): Tool {
  const schema = tool.function.parameters ?? {};
  return {
    name: tool.function.name,
    ...(tool.function.description ? { description: tool.function.description } : {}),
    input_schema: { ...schema, type: 'object' },
  };
}

function toToolChoice(choice: unknown, parallel: unknown): ToolChoice | undefined {
  const disable_parallel_tool_use = parallel === false ? true : undefined;
  const extra = disable_parallel_tool_use ? { disable_parallel_tool_use } : {};
  if (choice === undefined) return disable_parallel_tool_use ? { type: 'auto', ...extra } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...extra };
  if (choice === 'required') return { type: 'any', ...extra };
  const named = (choice as { function?: { name?: unknown } }).function?.name;
  if (typeof named === 'string') return { type: 'tool', name: named, ...extra };
  throw badRequest('tool_choice must be "none", "auto", "required" or {"type":"function","function":{"name":...}}');
}

function badRequest(message: string) {
  return new UpstreamError('bad_request', message, 400);
}
