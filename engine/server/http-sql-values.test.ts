import { describe, expect, it } from 'vitest';
import { isErrorOfKind } from '../errors.ts';
import type { SqlValue } from '../protocol/messages.ts';
import { storageClassOf } from '../protocol/sql-value.ts';
import { thrown } from '../test-support/thrown.ts';
import { sqlValueFromJson, sqlValueToJson } from './http-sql-values.ts';

describe('SQL values in the JSON of /exec', () => {
  const cases: readonly (readonly [string, SqlValue, unknown])[] = [
    ['NULL', null, null],
    ['INTEGER', 42, 42],
    ['INTEGER -2^53 + 1', Number.MIN_SAFE_INTEGER, Number.MIN_SAFE_INTEGER],
    ['INTEGER 2^53', 2n ** 53n, { integer: '9007199254740992' }],
    ['INTEGER -2^63', -(2n ** 63n), { integer: '-9223372036854775808' }],
    ['REAL with a fraction', 2.5, 2.5],
    ['REAL 1.0', { real: 1 }, { real: 1 }],
    ['REAL -0.0', -0, { real: '-0' }],
    ['REAL Infinity', Infinity, { real: 'Infinity' }],
    ['REAL -Infinity', -Infinity, { real: '-Infinity' }],
    ['REAL NaN', Number.NaN, { real: 'NaN' }],
    ['REAL 2^60', 2 ** 60, { real: 2 ** 60 }],
    ['TEXT that looks like a number', '9007199254740993', '9007199254740993'],
    ['TEXT with a byte order mark', '\ufeffx', '\ufeffx'],
    ['BLOB', new Uint8Array([0, 255]), { blob: '00ff' }],
  ];

  it.each(cases)('writes %s in its own form and reads it back with the same storage class', (_, value, json) => {
    const written = sqlValueToJson(value);
    expect(written).toStrictEqual(json);
    const read = sqlValueFromJson(JSON.parse(JSON.stringify(written)), 0);
    expect(storageClassOf(read)).toBe(storageClassOf(value));
    expect(read).toStrictEqual(value);
  });

  it('reads a bare integral JSON number as INTEGER, as JavaScript parses it, and { real } as REAL', () => {
    expect(storageClassOf(sqlValueFromJson(JSON.parse('1.0'), 0))).toBe('integer');
    expect(storageClassOf(sqlValueFromJson({ real: 1 }, 0))).toBe('real');
    expect(sqlValueFromJson({ integer: 7 }, 0)).toBe(7);
    expect(Object.is(sqlValueFromJson({ integer: -0 }, 0), 0)).toBe(true);
  });

  it.each([
    ['a boolean', true],
    ['an array', [1]],
    ['two tags', { real: 1, integer: '1' }],
    ['an integer that is not decimal', { integer: '0x10' }],
    ['an integer beyond 64 bits', { integer: '9223372036854775808' }],
    ['a real that is text', { real: 'one' }],
    ['odd hex', { blob: 'abc' }],
  ])('refuses %s with an http error', (_, json) => {
    expect(isErrorOfKind(thrown(() => sqlValueFromJson(json, 3)), 'http')).toBe(true);
  });
});
