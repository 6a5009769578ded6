import { GreenlightError } from '../errors.ts';

/**
 * Why an unsynced-changes export was refused. The document is a file a user kept,
 * so anything may be in it: each problem names what a developer has to fix.
 */
export const EXPORT_PROBLEMS = [
  /** Not a Greenlight unsynced-changes document at all. */
  'wrong-format',
  /** A format version this code does not read. */
  'unsupported-version',
  /** A field that should be base64 (a primary key, a blob) is not. */
  'bad-base64',
  /** A field of the wrong type or out of range (an integer, a site id, a value's tag). */
  'bad-value',
  /** A change names a table this database does not sync. */
  'unknown-table',
  /** A change names a column its table does not have. */
  'unknown-column',
] as const;
export type ExportProblem = (typeof EXPORT_PROBLEMS)[number];

/** A GreenlightError of kind `invalid-export`, with the problem and where in the document it is. */
export class UnsyncedChangesExportError extends GreenlightError {
  declare readonly kind: 'invalid-export';
  readonly problem: ExportProblem;
  /** A path into the document, e.g. `changes[3].pk`; empty for the document itself. */
  readonly path: string;

  constructor(problem: ExportProblem, path: string, message: string, options: { readonly cause?: unknown } = {}) {
    super('invalid-export', 'client', path === '' ? message : `${path}: ${message}`, options);
    this.problem = problem;
    this.path = path;
  }
}

export function isUnsyncedChangesExportError(value: unknown): value is UnsyncedChangesExportError {
  return value instanceof UnsyncedChangesExportError;
}
