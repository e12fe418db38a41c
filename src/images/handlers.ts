import type { Handlers } from '../http/handler-types.js';
import { unauthorized } from '../http/errors.js';
import { fileContentUrl, publicBase } from '../files/urls.js';
import { generateImages } from './generate.js';

export const imageHandlers: Pick<Handlers, 'generateImage'> = {
  async generateImage({ body }, { app, auth, req }) {
    if (!auth) throw unauthorized();
    const files = await generateImages(app, auth.userId, body);
    const base = publicBase(app, req);
    return {
      status: 200,
      body: {
        created: Math.floor(Date.now() / 1000),
        data: files.map(({ row, revisedPrompt }) => ({
          url: fileContentUrl(base, row.id),
          file_id: row.id,
          ...(revisedPrompt !== undefined ? { revised_prompt: revisedPrompt } : {}),
        })),
      },
    };
  },
};
