import { describe, expect, it } from 'vitest';
import { isErrorOfKind } from '../errors.ts';
import { thrown } from '../test-support/thrown.ts';
import { assertWellFormedText, decodeExactUtf8, decodeStoredText, realValue, storageClassOf } from './sql-value.ts';

describe('the value model', () => {
  it.each([
    [null, 'null'],
    [1, 'integer'],
    [-(2 ** 53) + 1, 'integer'],
    [2n ** 63n - 1n, 'integer'],
    [1.5, 'real'],
    [-0, 'real'],
    [Number.NaN, 'real'],
    [Infinity, 'real'],
    [2 ** 53, 'real'],
    [{ real: 1 }, 'real'],
    ['1', 'text'],
    [new Uint8Array(0), 'blob'],
  ] as const)('names one storage class for %o: %s', (value, storageClass) => {
    expect(storageClassOf(value)).toBe(storageClass);
  });

  it('has no storage class for what is not a SqlValue', () => {
    expect(storageClassOf(true)).toBeUndefined();
    expect(storageClassOf({ real: '1' })).toBeUndefined();
    expect(storageClassOf(undefined)).toBeUndefined();
  });

  it('reads a REAL as a plain number unless the number would name an INTEGER', () => {
    expect(realValue(1)).toStrictEqual({ real: 1 });
    expect(realValue(0)).toStrictEqual({ real: 0 });
    expect(Object.is(realValue(-0), -0)).toBe(true);
    expect(realValue(2.5)).toBe(2.5);
    expect(realValue(2 ** 53)).toBe(2 ** 53);
    expect(storageClassOf(realValue(7))).toBe('real');
  });

  it('refuses a lone surrogate, and accepts surrogate pairs', () => {
    assertWellFormedText('👩‍👩‍👧 e\u0301 \ufeff', 'client', 'text');
    const error = thrown(() => assertWellFormedText('ab\udc00', 'client', 'parameter 2'));
    expect(isErrorOfKind(error, 'invalid-value')).toBe(true);
    expect(error.message).toContain('U+DC00 at index 2');
  });

  it('decodes text exactly: a leading BOM is kept and invalid UTF-8 throws', () => {
    expect(decodeExactUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toBe('\ufeffa');
    expect(() => decodeExactUtf8(new Uint8Array([0x61, 0xff]))).toThrow();
  });

  it('names invalid stored TEXT as corrupt storage, with its column', () => {
    const error = thrown(() => decodeStoredText(new Uint8Array([0x61, 0xff]), 3));
    expect(isErrorOfKind(error, 'storage')).toBe(true);
    expect(error.message).toBe('column 3 holds TEXT that is not valid UTF-8');
  });
});
