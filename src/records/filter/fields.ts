import type { RawBuilder } from 'kysely';

/** What a value compares as. Dates are instants; text compares case-sensitively except under `~`. */
export type ValueType = 'text' | 'number' | 'date';

/** A field holding one value per record. */
export interface ScalarField {
  kind: 'scalar';
  type: ValueType;
  /** The SQL expression for the field, in the scope of the list query. */
  sql: RawBuilder<unknown>;
  /** Whether it can be NULL (or, for text, empty): decides how `= null` and `!=` compile. */
  nullable: boolean;
  sortable: boolean;
}

/**
 * A field holding a list of text values (`messages` of a chat, `attachments`
 * of a message). `values` is a FROM item yielding one row per value in column
 * `x`; an empty list yields a single NULL, so that `= null` matches it, as in
 * PocketBase.
 */
export interface MultiField {
  kind: 'multi';
  values(alias: string): RawBuilder<unknown>;
  /** The number of values, for `field:length`. */
  length: RawBuilder<unknown>;
}

export type Field = ScalarField | MultiField;

/** The fields a collection's filter may name, by their dotted path (e.g. `settings.model`). */
export type FieldSchema = Readonly<Record<string, Field>>;
