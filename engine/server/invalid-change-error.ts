import { GreenlightError } from '../errors.ts';

/**
 * The rules a server checks on every changes frame a client sends, before it
 * merges anything (engine/server/change-rules.ts holds one function per rule,
 * engine/protocol/README.md "What a server accepts" says each one).
 */
export const CHANGE_RULES = [
  'own-site',
  'known-table',
  'known-column',
  'primary-key',
  'causal-length',
  'column-version',
  'sentinel-value',
  'deliverable-size',
  'version-order',
  'through-version',
] as const;
export type ChangeRule = (typeof CHANGE_RULES)[number];

/** A GreenlightError of kind `invalid-change`: which rule a frame broke, and at which change. */
export class InvalidChangeError extends GreenlightError {
  declare readonly kind: 'invalid-change';
  readonly rule: ChangeRule;
  /** Index of the offending change in the frame; null when the frame as a whole breaks the rule. */
  readonly changeIndex: number | null;

  constructor(rule: ChangeRule, changeIndex: number | null, message: string) {
    // The rule leads the message: it is what crosses the wire in the `error` frame.
    super('invalid-change', 'server', `rule ${rule}: ${message}`);
    this.rule = rule;
    this.changeIndex = changeIndex;
  }
}

export function isInvalidChangeError(value: unknown): value is InvalidChangeError {
  return value instanceof InvalidChangeError;
}
