/**
 * Numbers as people read them. Units are SI symbols, which read the same in most
 * languages; only the digits follow the locale.
 */

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

export function formatCount(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

export function formatBytes(bytes: number, locale: string): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  const number = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${number.format(value)} ${BYTE_UNITS[unit] ?? 'B'}`;
}

/** Coarser as it grows: an estimate of "47 min" is honest, "47 min 13 s" is not. */
export function formatDuration(ms: number, locale: string): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  if (seconds < 60) return `${number.format(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${number.format(minutes)} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${number.format(hours)} h` : `${number.format(hours)} h ${number.format(rest)} min`;
}

const RELATIVE_STEPS: readonly (readonly [Intl.RelativeTimeFormatUnit, number])[] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', Number.POSITIVE_INFINITY],
];

/** "12 seconds ago", "vor 3 Minuten"; `now` is a parameter so stories and tests stay fixed in time. */
export function formatRelativeTime(at: number, now: number, locale: string): string {
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  let value = (at - now) / 1000;
  for (const [unit, size] of RELATIVE_STEPS) {
    if (Math.abs(value) < size) return format.format(Math.round(value), unit);
    value /= size;
  }
  return format.format(Math.round(value), 'day');
}
