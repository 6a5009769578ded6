import { describe, expect, it } from 'vitest';
import { changeRowKey, countDistinctRows } from './change-row-key.ts';
import type { Change } from './messages.ts';

function change(table: string, pk: readonly number[], cid: string): Change {
  return { table, pk: new Uint8Array(pk), cid, val: 1, colVersion: 1, dbVersion: 1, siteId: new Uint8Array(16), cl: 1, seq: 0 };
}

describe('countDistinctRows', () => {
  it('counts one row per (table, pk), however many columns changed', () => {
    const changes = [change('items', [1, 2], 'title'), change('items', [1, 2], 'qty'), change('items', [1, 3], 'title')];
    expect(countDistinctRows(changes)).toBe(2);
  });

  it('keeps tables apart, and cannot confuse a table name with the start of a key', () => {
    expect(countDistinctRows([change('a', [1], 'c'), change('b', [1], 'c')])).toBe(2);
    expect(changeRowKey(change('a', [0, 0], 'c'))).not.toBe(changeRowKey(change('a\u0000', [0], 'c')));
  });

  it('is zero for no changes', () => {
    expect(countDistinctRows([])).toBe(0);
  });
});
