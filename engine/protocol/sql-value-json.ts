/**
 * How a REAL is written inside `{ "real": ... }` in Greenlight's JSON forms (the
 * HTTP `/exec` rows and parameters, the unsynced-changes export). JSON numbers
 * cannot say -0, NaN or ±Infinity (`JSON.stringify(-0)` is `"0"`), so those
 * four are strings; every other REAL is a JSON number.
 */
export type JsonReal = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';

export function realToJson(value: number): JsonReal {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Object.is(value, -0)) return '-0';
  return value;
}

/** The number a `JsonReal` stands for; undefined for anything else. */
export function realFromJson(value: unknown): number | undefined {
  switch (value) {
    case 'NaN':
      return Number.NaN;
    case 'Infinity':
      return Infinity;
    case '-Infinity':
      return -Infinity;
    case '-0':
      return -0;
    default:
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  }
}
