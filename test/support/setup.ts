import { afterEach } from 'vitest';
import { contractFetch, drainViolations } from './contract.js';

// Every fetch in the test process goes through the contract check; see contract.ts.
globalThis.fetch = contractFetch(globalThis.fetch);

afterEach(async () => {
  const found = await drainViolations();
  if (found.length > 0) throw new Error(`Responses broke openapi.yaml:\n- ${found.join('\n- ')}`);
});
