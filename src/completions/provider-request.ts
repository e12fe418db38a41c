import type { ProviderRequest } from '../providers/types.js';
import type { PreparedCompletion } from './normalise.js';
import type { Candidate } from './upstream.js';

export function providerRequest(prepared: PreparedCompletion, candidate: Candidate): ProviderRequest {
  return { body: prepared.body, upstreamModel: candidate.model.upstream, maxOutputTokens: candidate.model.max_output_tokens };
}
