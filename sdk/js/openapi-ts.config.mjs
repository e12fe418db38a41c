// Generates the @t66/sdk fetch client and its types from the repository's openapi.yaml into src/generated/
// (committed; `npm run check` at the root verifies it is current). Run it with `npm run generate:sdk` from the root.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export default {
  input: path.join(here, '..', '..', 'openapi.yaml'),
  output: {
    path: path.join(here, 'src', 'generated'),
    module: { extension: '.js' },
  },
  plugins: ['@hey-api/typescript', '@hey-api/client-fetch', '@hey-api/sdk'],
};
