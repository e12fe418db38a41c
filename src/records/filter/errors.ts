/**
 * A filter or sort the caller wrote that cannot be run. `position` is the
 * 0-based offset (in UTF-16 code units, as JavaScript counts) of the part that failed.
 */
export class QuerySyntaxError extends Error {
  constructor(
    readonly position: number,
    readonly reason: string,
  ) {
    super(`${reason} (at position ${position})`);
  }
}
