import { notImplemented } from './errors.js';

/** The answer of an operation that is in the contract but not built yet: 501 `not_implemented`. */
export async function notImplementedYet(): Promise<never> {
  throw notImplemented();
}
