// Generates typed code from openapi.yaml into generated/ (committed; `npm run check` verifies it is current).
export default {
  input: './openapi.yaml',
  output: {
    path: './generated',
    module: { extension: '.js' },
  },
  plugins: ['@hey-api/typescript', '@hey-api/client-fetch', '@hey-api/sdk', '@hey-api/schemas'],
};
