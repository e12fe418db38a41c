import { afterAll } from 'vitest';
import { startTestServer } from '../support/server.js';
import { startTestS3 } from '../support/s3.js';
import { fileApiScenarios, MAX_UPLOAD_BYTES } from './file-api.js';

fileApiScenarios('s3', async () => {
  const s3 = await startTestS3();
  afterAll(() => s3.close());
  const server = await startTestServer({ env: { ...s3.env, T66_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) } });
  return { server, stored: async () => (await s3.keys()).sort() };
});
