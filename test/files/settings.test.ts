import { beforeAll, describe, expect, it } from 'vitest';
import { uploadFile } from '../../generated/sdk.gen.js';
import { apiClient } from '../support/client.js';
import { createUser, uploadTestFile, type TestUser } from '../support/factories.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { pngBytes } from './file-api.js';

let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer({
    env: { T66_ALLOWED_UPLOAD_TYPES: 'image/png, text/*', T66_MAX_UPLOAD_BYTES: '1000', T66_PUBLIC_URL: 'https://files.example.com/' },
  });
  user = await createUser(server.api);
});

function upload(name: string, type: string, content: string | Uint8Array) {
  const part = typeof content === 'string' ? content : new Uint8Array(content);
  return uploadFile({ client: apiClient(server.api, user.token), body: { file: new File([part], name, { type }) } });
}

describe('operator settings for uploads', () => {
  it('accepts only T66_ALLOWED_UPLOAD_TYPES', async () => {
    expect((await upload('a.png', 'image/png', pngBytes())).response.status).toBe(200);
    expect((await upload('a.md', 'text/markdown', '# ok')).response.status).toBe(200);
    const pdf = await upload('paper.pdf', 'application/pdf', '%PDF-1.4\n%\u00e2\u00e3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');
    expect(pdf.response.status).toBe(415);
    expect(pdf.error!.error.details).toMatchObject({ type: 'application/pdf', accepted: ['image/png', 'text/*'] });
    expect((await upload('data.json', 'application/json', '{"a":1}')).response.status).toBe(415);
  });

  it('applies T66_MAX_UPLOAD_BYTES, even below the sniffing window', async () => {
    expect((await upload('full.txt', 'text/plain', 'x'.repeat(1000))).response.status).toBe(200);
    const over = await upload('over.txt', 'text/plain', 'x'.repeat(1001));
    expect(over.response.status).toBe(413);
    expect(over.error!.error.details).toEqual({ limit: 1000 });
  });

  it('builds file URLs on T66_PUBLIC_URL', async () => {
    const file = await uploadTestFile(server.api, user.token);
    expect(file.url).toBe(`https://files.example.com/api/files/${file.id}/content`);
  });
});
