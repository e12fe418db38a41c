import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

export interface TestS3 {
  /** Environment that points T66 at this server. */
  env: Record<string, string>;
  /** Keys of every object in the bucket. */
  keys(): Promise<string[]>;
  close(): Promise<void>;
}

const BUCKET = 't66-test';

/** A real S3-compatible server (s3rver, from npm) on 127.0.0.1, with one empty bucket. */
export async function startTestS3(): Promise<TestS3> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 't66-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  // s3rver accepts any credentials; these are its documented defaults.
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  return {
    env: {
      T66_S3_BUCKET: BUCKET,
      T66_S3_ENDPOINT: endpoint,
      T66_S3_REGION: 'us-east-1',
      T66_S3_ACCESS_KEY_ID: credentials.accessKeyId,
      T66_S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      T66_S3_FORCE_PATH_STYLE: 'true',
    },
    async keys() {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      return (listed.Contents ?? []).map((o) => o.Key!);
    },
    async close() {
      client.destroy();
      await server.close();
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}
