import { describe, expect, it } from 'vitest';
import { DatabaseQuota } from './database-quota.ts';

describe('DatabaseQuota', () => {
  it('starts from the databases that exist and gives the last place to one of two concurrent creations', async () => {
    let counts = 0;
    const quota = new DatabaseQuota(3, async () => {
      counts += 1;
      return 2;
    });
    expect(await Promise.all([quota.reserve(), quota.reserve()])).toEqual([true, false]);
    expect(counts).toBe(1);
    quota.release();
    expect(await quota.reserve()).toBe(true);
    expect(await quota.reserve()).toBe(false);
  });

  it('counts again after a failed count instead of refusing forever', async () => {
    let calls = 0;
    const quota = new DatabaseQuota(1, async () => {
      calls += 1;
      if (calls === 1) throw new Error('folder unreadable');
      return 0;
    });
    await expect(quota.reserve()).rejects.toThrow('folder unreadable');
    expect(await quota.reserve()).toBe(true);
    expect(await quota.reserve()).toBe(false);
  });

  it('refuses a limit that is not a whole number', () => {
    expect(() => new DatabaseQuota(-1, async () => 0)).toThrow(RangeError);
    expect(() => new DatabaseQuota(1.5, async () => 0)).toThrow(RangeError);
  });
});
