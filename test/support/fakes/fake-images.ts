import { PNG } from 'pngjs';
import { sendJson, startFakeServer, type FakeServer } from './http.js';

/**
 * A fake OpenAI images API (`POST /v1/images/generations`) speaking the
 * documented response format: `{created, data: [{b64_json | url, revised_prompt?}]}`.
 * `mode` picks how it answers the next requests.
 */
export type FakeImagesMode =
  | 'b64' // base64 PNGs, as dall-e with response_format=b64_json and gpt-image-1 answer
  | 'url' // URLs on this fake, as dall-e answers by default
  | 'garbage' // 200 with an HTML body
  | 'empty' // 200 with no images
  | 'not-image' // base64 of bytes that are not an image
  | 'error' // 500 with an OpenAI error body
  | 'refuse' // 400 content_policy_violation
  | 'slow'; // answers after `slowMs`

export interface FakeImages extends FakeServer {
  /** Base URL for OPENAI_BASE_URL (…/v1). */
  baseUrl: string;
  mode: FakeImagesMode;
  slowMs: number;
  png: Buffer;
}

function tinyPng(): Buffer {
  const png = new PNG({ width: 2, height: 2 });
  png.data.fill(200);
  return PNG.sync.write(png);
}

export async function startFakeImages(): Promise<FakeImages> {
  const png = tinyPng();
  const state = { mode: 'b64', slowMs: 2000 } as FakeImages;
  const server = await startFakeServer(async (req, res) => {
    if (req.method === 'GET' && req.path.startsWith('/generated/')) {
      res.writeHead(200, { 'content-type': 'image/png' });
      return void res.end(png);
    }
    if (req.method !== 'POST' || req.path !== '/v1/images/generations') return sendJson(res, 404, { error: { message: 'no such route' } });
    const body = JSON.parse(req.body) as { model: string; prompt: string; n?: number };
    const n = body.n ?? 1;
    const revised = body.model === 'dall-e-3' ? { revised_prompt: `${body.prompt}, in vivid colours` } : {};
    switch (state.mode) {
      case 'b64':
        return sendJson(res, 200, { created: 1700000000, data: Array.from({ length: n }, () => ({ b64_json: png.toString('base64'), ...revised })) });
      case 'url':
        return sendJson(res, 200, { created: 1700000000, data: Array.from({ length: n }, (_, i) => ({ url: `${server.origin}/generated/${i}.png`, ...revised })) });
      case 'garbage':
        res.writeHead(200, { 'content-type': 'text/html' });
        return void res.end('<html><body>Bad gateway, but with a 200</body></html>');
      case 'empty':
        return sendJson(res, 200, { created: 1700000000, data: [] });
      case 'not-image':
        return sendJson(res, 200, { created: 1700000000, data: [{ b64_json: Buffer.from('definitely not a picture').toString('base64') }] });
      case 'error':
        return sendJson(res, 500, { error: { message: 'The server had an error', type: 'server_error', param: null, code: null } });
      case 'refuse':
        return sendJson(res, 400, {
          error: { message: 'Your request was rejected by the safety system.', type: 'invalid_request_error', param: null, code: 'content_policy_violation' },
        });
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, state.slowMs));
        return sendJson(res, 200, { created: 1700000000, data: [{ b64_json: png.toString('base64') }] });
    }
  });
  return Object.assign(state, server, { baseUrl: `${server.origin}/v1`, png });
}
