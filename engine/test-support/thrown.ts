import { expect } from 'vitest';
import { GreenlightError } from '../errors.ts';

/** Runs `action`, expects it to throw a GreenlightError, and returns that error for the test to inspect. */
export function thrown(action: () => unknown): GreenlightError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(GreenlightError);
    return error as GreenlightError;
  }
  throw new Error('expected a GreenlightError');
}
