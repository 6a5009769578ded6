import { describe, expect, it } from 'vitest';
import { ConnectionBudget } from './connection-budget.ts';

function release(place: ReturnType<ConnectionBudget['take']>): () => void {
  if ('refused' in place) throw new Error(`refused: ${place.refused}`);
  return place.release;
}

describe('ConnectionBudget', () => {
  it('refuses a key beyond its limit while other keys still get places', () => {
    const budget = new ConnectionBudget({ maxTotal: 10, maxPerKey: 2 });
    const first = release(budget.take('10.0.0.1'));
    release(budget.take('10.0.0.1'));
    expect(budget.take('10.0.0.1')).toEqual({ refused: expect.stringMatching(/10\.0\.0\.1 holds its maximum of 2/) });
    release(budget.take('10.0.0.2'));
    first();
    first();
    expect(budget.openFor('10.0.0.1')).toBe(1);
    expect(budget.total).toBe(2);
    release(budget.take('10.0.0.1'));
  });

  it('refuses every key once the total is reached', () => {
    const budget = new ConnectionBudget({ maxTotal: 2, maxPerKey: 2 });
    release(budget.take('a'));
    const b = release(budget.take('b'));
    expect(budget.take('c')).toEqual({ refused: expect.stringMatching(/maximum of 2 connections/) });
    b();
    release(budget.take('c'));
  });

  it('refuses limits below one', () => {
    expect(() => new ConnectionBudget({ maxTotal: 0, maxPerKey: 1 })).toThrow(RangeError);
    expect(() => new ConnectionBudget({ maxTotal: 1, maxPerKey: 0.5 })).toThrow(RangeError);
  });
});
