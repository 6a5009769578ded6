import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDuration, formatRelativeTime } from './human-units.ts';

describe('human units', () => {
  it('formats bytes in decimal units with one decimal below 100', () => {
    expect(formatBytes(999, 'en')).toBe('999 B');
    expect(formatBytes(1_200_000, 'en')).toBe('1.2 MB');
    expect(formatBytes(4_800_000, 'en')).toBe('4.8 MB');
    expect(formatBytes(250_000_000, 'en')).toBe('250 MB');
    expect(formatBytes(1_200_000, 'de')).toBe('1,2 MB');
  });

  it('rounds durations more coarsely as they grow', () => {
    expect(formatDuration(400, 'en')).toBe('1 s');
    expect(formatDuration(12_300, 'en')).toBe('12 s');
    expect(formatDuration(150_000, 'en')).toBe('3 min');
    expect(formatDuration(3_900_000, 'en')).toBe('1 h 5 min');
    expect(formatDuration(7_200_000, 'en')).toBe('2 h');
  });

  it('says how long ago in the reader’s language', () => {
    const now = Date.UTC(2026, 0, 15, 9, 30);
    expect(formatRelativeTime(now - 12_000, now, 'en')).toBe('12 seconds ago');
    expect(formatRelativeTime(now - 300_000, now, 'en')).toBe('5 minutes ago');
    expect(formatRelativeTime(now - 300_000, now, 'de')).toBe('vor 5 Minuten');
    expect(formatRelativeTime(now + 8_000, now, 'en')).toBe('in 8 seconds');
  });

  it('groups digits by locale', () => {
    expect(formatCount(52_310, 'en')).toBe('52,310');
    expect(formatCount(52_310, 'de')).toBe('52.310');
  });
});
