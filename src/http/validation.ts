import type { ErrorObject } from 'ajv';
import { ApiError } from './errors.js';

export interface FieldError {
  path: string;
  message: string;
}

/**
 * Turns Ajv's errors into the envelope's details: `missing_fields` for absent
 * required body fields (as the seed shows) and `errors` as `{path, message}`.
 */
export function validationDetails(errors: ErrorObject[]): { missing_fields?: string[]; errors: FieldError[] } {
  const missing: string[] = [];
  const list: FieldError[] = [];
  const seen = new Set<string>();
  for (const err of errors) {
    // openapi-backend validates params as {path,query,header} and the body separately.
    const where = (err.instancePath || '').replace(/^\/requestBody/, '');
    let fieldPath = where;
    let message = err.message ?? 'is invalid';
    if (err.keyword === 'required') {
      const field = (err.params as { missingProperty: string }).missingProperty;
      fieldPath = `${where}/${field}`;
      message = 'is required';
      if (where === '') missing.push(field);
    } else if (err.keyword === 'additionalProperties') {
      const field = (err.params as { additionalProperty: string }).additionalProperty;
      fieldPath = `${where}/${field}`;
      message = 'is not a known field';
    } else if (err.keyword === 'enum') {
      message = `must be one of: ${(err.params as { allowedValues: unknown[] }).allowedValues.map(String).join(', ')}`;
    }
    const key = `${fieldPath}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    list.push({ path: fieldPath || '/', message });
  }
  return missing.length ? { missing_fields: missing, errors: list } : { errors: list };
}

/** The 400 for a request that does not match its operation's schemas. */
export function invalidRequest(errors: ErrorObject[]): ApiError {
  const details = validationDetails(errors);
  const message = details.missing_fields
    ? 'The request is missing required parameters'
    : `The request is invalid: ${details.errors.map((e) => `${e.path} ${e.message}`).slice(0, 3).join('; ')}`;
  return new ApiError(400, 'invalid_request', message, details);
}
