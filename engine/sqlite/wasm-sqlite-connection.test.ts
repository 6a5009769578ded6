import { afterEach, describe, expect, it } from 'vitest';
import { isErrorOfKind } from '../errors.ts';
import type { SqlValue } from '../protocol/messages.ts';
import { openMemoryDatabase } from './open-memory-database.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { sqliteCodeOf } from './storage-error.ts';
import { SQLITE } from './sqlite-constants.ts';

const opened: SqliteConnection[] = [];

async function open(): Promise<SqliteConnection> {
  const db = await openMemoryDatabase();
  opened.push(db);
  return db;
}

afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('values', () => {
  const cases: readonly [string, SqlValue, SqlValue, string][] = [
    ['null', null, null, 'null'],
    ['zero', 0, 0, 'integer'],
    ['negative one', -1, -1, 'integer'],
    ['beyond int32', 2 ** 31, 2 ** 31, 'integer'],
    ['below int32', -(2 ** 31) - 1, -(2 ** 31) - 1, 'integer'],
    ['max safe', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'integer'],
    ['min safe', Number.MIN_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 'integer'],
    ['fraction', 1.5, 1.5, 'real'],
    ['negative fraction', -0.25, -0.25, 'real'],
    ['unsafe integral number binds as real', 2 ** 60, 2 ** 60, 'real'],
    ['integral REAL 1.0 stays REAL', { real: 1 }, { real: 1 }, 'real'],
    ['REAL 0.0 stays REAL', { real: 0 }, { real: 0 }, 'real'],
    ['a fractional REAL given as { real } reads back as a number', { real: 2.5 }, 2.5, 'real'],
    ['-0.0 stays REAL -0.0', -0, -0, 'real'],
    ['Infinity', Infinity, Infinity, 'real'],
    ['-Infinity', -Infinity, -Infinity, 'real'],
    ['small bigint reads back as number', 5n, 5, 'integer'],
    ['max int64', 0x7fff_ffff_ffff_ffffn, 0x7fff_ffff_ffff_ffffn, 'integer'],
    ['min int64', -0x8000_0000_0000_0000n, -0x8000_0000_0000_0000n, 'integer'],
    ['just past safe', 2n ** 53n, 2n ** 53n, 'integer'],
    ['just below -safe', -(2n ** 53n), -(2n ** 53n), 'integer'],
    ['empty text', '', '', 'text'],
    ['unicode text', 'héllo 🌍 ✓', 'héllo 🌍 ✓', 'text'],
    ['text with NUL', 'a\u0000b', 'a\u0000b', 'text'],
    ['text with a leading byte order mark', '\ufeffabc', '\ufeffabc', 'text'],
    ['empty blob', new Uint8Array(0), new Uint8Array(0), 'blob'],
    ['blob', new Uint8Array([0, 1, 254, 255]), new Uint8Array([0, 1, 254, 255]), 'blob'],
  ];

  it.each(cases)('%s round-trips', async (_name, input, expected, sqlType) => {
    const db = await open();
    db.exec('CREATE TABLE v (x)');
    db.exec('INSERT INTO v (x) VALUES (?)', [input]);
    expect(db.all('SELECT x, typeof(x) FROM v')).toEqual([[expected, sqlType]]);
    expect(db.all('SELECT count(*) FROM v WHERE x IS ?', [input])).toEqual([[1]]);
  });

  it('reads a REAL column holding a whole number as { real }, not as an integer', async () => {
    const db = await open();
    db.exec('CREATE TABLE p (price REAL)');
    db.exec('INSERT INTO p VALUES (1), (?), (?)', [2, { real: 3 }]);
    expect(db.all('SELECT price, typeof(price) FROM p')).toEqual([
      [{ real: 1 }, 'real'],
      [{ real: 2 }, 'real'],
      [{ real: 3 }, 'real'],
    ]);
    const negativeZero = db.all<[number, string]>('SELECT -0.0, quote(-0.0)')[0];
    expect(Object.is(negativeZero?.[0], -0)).toBe(true);
  });

  it('refuses text with a lone surrogate with invalid-value, writing nothing', async () => {
    const db = await open();
    db.exec('CREATE TABLE v (x)');
    for (const text of ['a\ud800b', 'a\udc00', '\ud83d']) {
      const error = thrown(() => db.exec('INSERT INTO v (x) VALUES (?)', [text]));
      expect(isErrorOfKind(error, 'invalid-value')).toBe(true);
      expect((error as Error).message).toMatch(/lone surrogate/);
    }
    expect(thrown(() => db.transaction(() => {
      db.exec("INSERT INTO v (x) VALUES ('kept?')");
      db.exec('INSERT INTO v (x) VALUES (?)', ['\udfff']);
    }))).toMatchObject({ kind: 'invalid-value' });
    expect(isErrorOfKind(thrown(() => db.exec("INSERT INTO v (x) VALUES ('\ud800x')")), 'invalid-value')).toBe(true);
    expect(db.all('SELECT count(*) FROM v')).toEqual([[0]]);
  });

  it('reports TEXT that is not valid UTF-8 as a storage error instead of replacing bytes', async () => {
    const db = await open();
    expect(isErrorOfKind(thrown(() => db.all("SELECT CAST(x'61ff62' AS TEXT)")), 'storage')).toBe(true);
  });

  it('returns a blob that does not alias wasm memory', async () => {
    const db = await open();
    const blob = db.all<[Uint8Array]>("SELECT x'0102'")[0]?.[0];
    db.all("SELECT x'ffff', randomblob(100000)");
    expect(blob).toEqual(new Uint8Array([1, 2]));
  });

  it('refuses a bigint beyond 64 bits and values that are not SqlValues', async () => {
    const db = await open();
    expect(isErrorOfKind(thrown(() => db.all('SELECT ?', [2n ** 64n])), 'storage')).toBe(true);
    const notAValue = true as unknown as SqlValue;
    expect(isErrorOfKind(thrown(() => db.all('SELECT ?', [notAValue])), 'storage')).toBe(true);
  });

  it('refuses the wrong number of parameters', async () => {
    const db = await open();
    expect(isErrorOfKind(thrown(() => db.all('SELECT ?, ?', [1])), 'internal')).toBe(true);
    expect(db.all('SELECT ?, ?', [1, 2])).toEqual([[1, 2]]);
  });
});

describe('statements', () => {
  it('runs scripts, binding parameters to the first statement', async () => {
    const db = await open();
    db.exec('CREATE TABLE a (x); CREATE TABLE b (y);\n-- trailing comment');
    db.exec('INSERT INTO a VALUES (?); INSERT INTO b VALUES (2);', [1]);
    expect(db.all('SELECT (SELECT x FROM a), (SELECT y FROM b)')).toEqual([[1, 2]]);
  });

  it('refuses a script in all()', async () => {
    const db = await open();
    expect(isErrorOfKind(thrown(() => db.all('SELECT 1; SELECT 2')), 'internal')).toBe(true);
  });

  it('keeps working past the statement cache size', async () => {
    const db = await open();
    for (let i = 0; i < 200; i++) expect(db.all(`SELECT ${i}`)).toEqual([[i]]);
    for (let i = 0; i < 200; i += 7) expect(db.all(`SELECT ${i}`)).toEqual([[i]]);
  });

  it('reports SQLite errors as storage errors with the SQLite code', async () => {
    const db = await open();
    db.exec('CREATE TABLE u (x UNIQUE)');
    db.exec('INSERT INTO u VALUES (1)');
    const error = thrown(() => db.exec('INSERT INTO u VALUES (1)'));
    expect(isErrorOfKind(error, 'storage')).toBe(true);
    expect(sqliteCodeOf(error)).toBe(SQLITE.CONSTRAINT);
    expect((error as Error).message).toContain('SQLITE_CONSTRAINT');
    expect(sqliteCodeOf(thrown(() => db.all('SELEC 1')))).toBe(SQLITE.ERROR);
    expect(db.all('SELECT count(*) FROM u')).toEqual([[1]]);
  });

  it('counts changed rows', async () => {
    const db = await open();
    db.exec('CREATE TABLE t (x)');
    db.exec('INSERT INTO t VALUES (1), (2), (3)');
    expect(db.changes()).toBe(3);
    db.exec('UPDATE t SET x = x + 1 WHERE x > 1');
    expect(db.changes()).toBe(2);
  });

  it('refuses every call after close, and close twice is harmless', async () => {
    const db = await openMemoryDatabase();
    db.close();
    db.close();
    expect(isErrorOfKind(thrown(() => db.all('SELECT 1')), 'closed')).toBe(true);
  });
});

describe('transactions', () => {
  it('commits what the function did', async () => {
    const db = await open();
    db.exec('CREATE TABLE t (x)');
    const result = db.transaction(() => {
      db.exec('INSERT INTO t VALUES (1)');
      db.exec('INSERT INTO t VALUES (2)');
      return 'done';
    });
    expect(result).toBe('done');
    expect(db.all('SELECT x FROM t ORDER BY x')).toEqual([[1], [2]]);
  });

  it('rolls back when the function throws, and rethrows its error', async () => {
    const db = await open();
    db.exec('CREATE TABLE t (x)');
    db.exec('INSERT INTO t VALUES (0)');
    const failure = new Error('boom');
    expect(
      thrown(() =>
        db.transaction(() => {
          db.exec('INSERT INTO t VALUES (1)');
          throw failure;
        }),
      ),
    ).toBe(failure);
    expect(db.all('SELECT x FROM t')).toEqual([[0]]);
    db.transaction(() => db.exec('INSERT INTO t VALUES (2)'));
    expect(db.all('SELECT x FROM t ORDER BY x')).toEqual([[0], [2]]);
  });

  it('refuses to nest, without disturbing the open transaction', async () => {
    const db = await open();
    db.exec('CREATE TABLE t (x)');
    db.transaction(() => {
      db.exec('INSERT INTO t VALUES (1)');
      expect(isErrorOfKind(thrown(() => db.transaction(() => undefined)), 'internal')).toBe(true);
    });
    expect(db.all('SELECT x FROM t')).toEqual([[1]]);
  });

  it('refuses an async function and rolls back', async () => {
    const db = await open();
    db.exec('CREATE TABLE t (x)');
    const error = thrown(() =>
      db.transaction(async () => {
        db.exec('INSERT INTO t VALUES (1)');
      }),
    );
    expect(isErrorOfKind(error, 'internal')).toBe(true);
    expect(db.all('SELECT count(*) FROM t')).toEqual([[0]]);
  });
});

describe('onUpdate', () => {
  it('reports each changed row after its statement, and stops after unsubscribe', async () => {
    const db = await open();
    db.exec('CREATE TABLE t (x)');
    const seen: string[] = [];
    const unsubscribe = db.onUpdate((table) => {
      // Running SQL here is legal because the hook has already returned.
      seen.push(`${table}:${String(db.all('SELECT count(*) FROM t')[0]?.[0])}`);
    });
    db.exec('INSERT INTO t VALUES (1), (2)');
    db.exec('DELETE FROM t WHERE x = 1');
    unsubscribe();
    db.exec('INSERT INTO t VALUES (3)');
    expect(seen).toEqual(['t:2', 't:2', 't:1']);
  });
});

describe('cr-sqlite', () => {
  const schema = 'CREATE TABLE item (id INTEGER PRIMARY KEY NOT NULL, name TEXT, qty INTEGER); SELECT crsql_as_crr(\'item\');';
  const changeColumns = '"table", pk, cid, val, col_version, db_version, site_id, cl, seq';

  it('has its functions, and two databases converge through crsql_changes', async () => {
    const a = await open();
    const b = await open();
    a.exec(schema);
    b.exec(schema);
    const siteA = a.all<[Uint8Array]>('SELECT crsql_site_id()')[0]?.[0];
    expect(siteA).toBeInstanceOf(Uint8Array);
    expect(siteA?.byteLength).toBe(16);

    a.transaction(() => {
      a.exec("INSERT INTO item VALUES (1, 'pen', 3)");
      a.exec("INSERT INTO item VALUES (2, 'ink', 1)");
    });
    b.exec("INSERT INTO item VALUES (3, 'nib', 9)");
    expect(a.all('SELECT crsql_db_version()')).toEqual([[1]]);

    const sync = (from: SqliteConnection, to: SqliteConnection): void => {
      const changes = from.all(`SELECT ${changeColumns} FROM crsql_changes`);
      to.transaction(() => {
        for (const change of changes) {
          to.exec(`INSERT INTO crsql_changes (${changeColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, change);
        }
      });
    };
    sync(a, b);
    sync(b, a);
    const query = 'SELECT id, name, qty FROM item ORDER BY id';
    expect(a.all(query)).toEqual(b.all(query));
    expect(a.all(query)).toEqual([
      [1, 'pen', 3],
      [2, 'ink', 1],
      [3, 'nib', 9],
    ]);
    const origin = b.all<[Uint8Array]>('SELECT site_id FROM crsql_changes WHERE pk = crsql_pack_columns(1) LIMIT 1');
    expect(origin[0]?.[0]).toEqual(siteA);
  });
});
