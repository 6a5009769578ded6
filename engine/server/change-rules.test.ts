import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_COLUMNS, changeFromRow, changeToParams } from '../client/change-rows.ts';
import { changeWireSize } from '../protocol/codec.ts';
import { siteIdToBytes, type SiteId } from '../protocol/ids.ts';
import type { Change, ChangesMessage } from '../protocol/messages.ts';
import { CHANGES_FRAME_OVERHEAD_BYTES, splitIntoVersionBatches, versionBatchLimits } from '../protocol/version-batches.ts';
import { openMemoryDatabase } from '../sqlite/open-memory-database.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { thrown } from '../test-support/thrown.ts';
import { checkChangesFrame, streamAfterAccept, type ChangeRuleContext, type SenderStream } from './change-rules.ts';
import { readCrrTables } from './crr-tables.ts';
import { InvalidChangeError, type ChangeRule } from './invalid-change-error.ts';

const SCHEMA = `
  CREATE TABLE items (id TEXT PRIMARY KEY NOT NULL, title TEXT, qty INTEGER);
  CREATE TABLE pairs (a TEXT NOT NULL, b INTEGER NOT NULL, note TEXT, PRIMARY KEY (a, b));
  CREATE TABLE reversed (a TEXT NOT NULL, b INTEGER NOT NULL, note TEXT, PRIMARY KEY (b, a));
  CREATE TABLE counters (id INTEGER PRIMARY KEY NOT NULL, n INTEGER);
  CREATE TABLE anything (k NOT NULL PRIMARY KEY, v);
  CREATE TABLE local_only (id TEXT PRIMARY KEY NOT NULL, v TEXT);
  SELECT crsql_as_crr('items');
  SELECT crsql_as_crr('pairs');
  SELECT crsql_as_crr('reversed');
  SELECT crsql_as_crr('counters');
  SELECT crsql_as_crr('anything');
`;

const MAX_FRAME_BYTES = 64 * 1024;

async function openDatabase(): Promise<{ connection: SqliteConnection; site: Uint8Array }> {
  const connection = await openMemoryDatabase();
  connection.exec(SCHEMA);
  const site = connection.all('SELECT crsql_site_id()')[0]?.[0];
  if (!(site instanceof Uint8Array)) throw new Error('no site id');
  return { connection, site };
}

/** A database's own changes after `since`, exactly as a client reads them to send. */
function ownChanges(connection: SqliteConnection, since = 0): Change[] {
  return connection
    .all(`SELECT ${CHANGE_COLUMNS} FROM crsql_changes WHERE db_version > ? AND site_id = crsql_site_id() ORDER BY db_version, seq`, [since])
    .map(changeFromRow);
}

function merge(connection: SqliteConnection, changes: readonly Change[]): void {
  for (const change of changes) {
    connection.exec(`INSERT INTO crsql_changes (${CHANGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, changeToParams(change));
  }
}

function frameOf(changes: readonly Change[], throughVersion = Math.max(0, ...changes.map((change) => change.dbVersion))): ChangesMessage {
  return { type: 'changes', changes, throughVersion };
}

describe('change rules', () => {
  let server: SqliteConnection;
  let client: SqliteConnection;
  let context: ChangeRuleContext;
  /** One honest change per kind, made by the client's real cr-sqlite. */
  let value: Change;
  let deleteSentinel: Change;

  beforeAll(async () => {
    server = (await openDatabase()).connection;
    const opened = await openDatabase();
    client = opened.connection;
    context = { senderSite: opened.site, tables: readCrrTables(server), maxFrameBytes: MAX_FRAME_BYTES };
    client.exec("INSERT INTO items (id, title, qty) VALUES ('i1', 'Dune', 2)");
    client.exec("INSERT INTO items (id, title, qty) VALUES ('gone', 'x', 1)");
    client.exec("DELETE FROM items WHERE id = 'gone'");
    const changes = ownChanges(client);
    const title = changes.find((change) => change.cid === 'title');
    const sentinel = changes.find((change) => change.cid === '-1');
    if (title === undefined || sentinel === undefined) throw new Error('cr-sqlite made no title change or no delete');
    value = title;
    deleteSentinel = sentinel;
  });

  afterAll(() => {
    server.close();
    client.close();
  });

  function refusal(message: ChangesMessage, stream: SenderStream = streamAfterAccept(0)): InvalidChangeError {
    const error = thrown(() => checkChangesFrame(message, context, stream));
    if (!(error instanceof InvalidChangeError)) throw new Error(`expected an InvalidChangeError, got ${String(error)}`);
    return error;
  }

  function expectRefused(change: Change, rule: ChangeRule): InvalidChangeError {
    const error = refusal(frameOf([change]));
    expect({ kind: error.kind, rule: error.rule, changeIndex: error.changeIndex }).toEqual({ kind: 'invalid-change', rule, changeIndex: 0 });
    expect(error.message.startsWith(`rule ${rule}: `)).toBe(true);
    return error;
  }

  describe('honest changes pass', () => {
    it('inserts, updates, deletes, re-creations and a key change, on single- and multi-column keys of every class', async () => {
      const { connection, site } = await openDatabase();
      connection.exec("INSERT INTO items (id, title, qty) VALUES ('a', 'A', 1), ('b', 'B', 2)");
      connection.exec("UPDATE items SET title = 'A2' WHERE id = 'a'");
      connection.exec("DELETE FROM items WHERE id = 'b'");
      connection.exec("INSERT INTO items (id, title) VALUES ('b', 'again')");
      connection.exec("UPDATE items SET id = 'c' WHERE id = 'a'");
      connection.exec("INSERT INTO pairs (a, b, note) VALUES ('k', 1, 'n'), ('k', -7, NULL)");
      // Key order is the PRIMARY KEY clause's, not the columns'.
      connection.exec("INSERT INTO reversed (a, b, note) VALUES ('k', 1, 'n')");
      connection.exec('INSERT INTO counters (id, n) VALUES (0, 1), (255, 2), (-1, 3), (9223372036854775807, 4)');
      connection.exec("INSERT INTO anything (k, v) VALUES (1, 'int'), (2.5, 'real'), ('t', 'text'), (x'00ff', 'blob'), ('', 'empty')");
      connection.exec("INSERT INTO items (id, title) VALUES (x'0102', 'a blob in a TEXT key stays a blob')");
      const changes = ownChanges(connection);
      expect(new Set(changes.map((change) => change.cl))).toEqual(new Set([1, 2, 3]));
      const stream = checkChangesFrame(frameOf(changes), { ...context, senderSite: site }, streamAfterAccept(0));
      expect(stream).toEqual({ throughVersion: changes.at(-1)?.dbVersion, lastDbVersion: changes.at(-1)?.dbVersion });
      connection.close();
    });

    it("a row re-created by a peer's create record while its columns were this site's: cr-sqlite reports them with col_version 0", async () => {
      const peer = await openDatabase();
      const own = await openDatabase();
      own.connection.exec("INSERT INTO items (id, title, qty) VALUES ('r', 'mine', 1)");
      merge(peer.connection, ownChanges(own.connection));
      peer.connection.exec("DELETE FROM items WHERE id = 'r'");
      peer.connection.exec("INSERT INTO items (id) VALUES ('r')");
      const before = Number(own.connection.all('SELECT crsql_db_version()')[0]?.[0]);
      merge(own.connection, ownChanges(peer.connection).filter((change) => change.cid === '-1'));
      const zeroed = ownChanges(own.connection, before);
      expect(zeroed.length).toBeGreaterThan(0);
      expect(zeroed.every((change) => change.colVersion === 0 && change.cl === 3)).toBe(true);
      expect(() => checkChangesFrame(frameOf(zeroed), { ...context, senderSite: own.site }, streamAfterAccept(before))).not.toThrow();
      peer.connection.close();
      own.connection.close();
    });

    it('an older change than the server holds is not an error (cr-sqlite ignores it)', () => {
      merge(server, [{ ...value, colVersion: 9, cl: 5 }]);
      expect(() => checkChangesFrame(frameOf([value]), context, streamAfterAccept(0))).not.toThrow();
    });

    it('every way the client splits its versions into frames follows the version rules', () => {
      // Versions with random sizes, some far larger than a frame; the client sends
      // them as sync-connection does: parts from splitIntoVersionBatches, the last
      // one's throughVersion raised to the read's (merged-only versions after it).
      const maxFrameBytes = 4096;
      const limits = versionBatchLimits(maxFrameBytes);
      fc.assert(
        fc.property(
          fc.array(fc.record({ gap: fc.integer({ min: 1, max: 3 }), changes: fc.integer({ min: 1, max: 120 }) }), { minLength: 1, maxLength: 12 }),
          fc.integer({ min: 0, max: 50 }),
          fc.integer({ min: 0, max: 2 }),
          (versions, committed, mergedOnlyAfter) => {
            const changes: Change[] = [];
            let dbVersion = committed;
            for (const version of versions) {
              dbVersion += version.gap;
              for (let seq = 0; seq < version.changes; seq++) changes.push({ ...value, dbVersion, seq, val: `v${seq}`.padEnd(40, '.') });
            }
            const readThrough = dbVersion + mergedOnlyAfter;
            const parts = splitIntoVersionBatches(changes, changeWireSize, limits, committed);
            let stream = streamAfterAccept(committed);
            parts.forEach((part, index) => {
              const throughVersion = index === parts.length - 1 ? readThrough : part.throughVersion;
              stream = checkChangesFrame({ type: 'changes', changes: part.changes, throughVersion }, { ...context, maxFrameBytes }, stream);
            });
            expect(stream.throughVersion).toBe(readThrough);
          },
        ),
        { numRuns: 200 },
      );
    });
  });

  describe('own-site', () => {
    it("refuses another site's change", () => {
      const other = siteIdToBytes('0123456789abcdef0123456789abcdef' as SiteId);
      expectRefused({ ...value, siteId: other }, 'own-site');
    });
  });

  describe('known-table', () => {
    it.each(['no_such_table', 'greenlight_peers', 'items__crsql_clock', 'crsql_site_id', 'local_only', 'ITEMS'])('refuses table %s', (table) => {
      expectRefused({ ...value, table }, 'known-table');
    });
  });

  describe('known-column', () => {
    it.each(['no_such_column', 'id', ''])('refuses cid %j', (cid) => {
      expectRefused({ ...value, cid }, 'known-column');
    });
  });

  describe('primary-key', () => {
    it.each([
      ['an empty key', new Uint8Array([])],
      ['two columns for a one-column key', new Uint8Array([2, 0x0b, 1, 0x61, 0x09, 1])],
      ['no columns', new Uint8Array([0])],
      ['trailing bytes', new Uint8Array([1, 0x0b, 1, 0x61, 0])],
      ['a NULL key column', new Uint8Array([1, 0x05])],
      ['an integer in a TEXT key', new Uint8Array([1, 0x09, 5])],
      ['a real in a TEXT key', new Uint8Array([1, 0x02, 0x40, 0x04, 0, 0, 0, 0, 0, 0])],
      ['text that is not UTF-8', new Uint8Array([1, 0x0b, 2, 0xc3, 0x28])],
      ['an integer in its long form', new Uint8Array([1, 0x11, 0, 5])],
    ])('refuses %s', (_name, pk) => {
      expectRefused({ ...value, pk }, 'primary-key');
    });

    it('refuses text in an INTEGER PRIMARY KEY', () => {
      expectRefused({ ...value, table: 'counters', cid: 'n', pk: new Uint8Array([1, 0x0b, 1, 0x61]) }, 'primary-key');
    });

    it('refuses a number in the second key column of reversed, which is its TEXT a', () => {
      const numbers = new Uint8Array([2, 0x09, 1, 0x09, 1]);
      const error = expectRefused({ ...value, table: 'reversed', cid: 'note', pk: numbers }, 'primary-key');
      expect(error.message).toContain('key column a');
    });

    it("refuses a one-column key for the two-column key of pairs", () => {
      expectRefused({ ...value, table: 'pairs', cid: 'note' }, 'primary-key');
    });
  });

  describe('causal-length', () => {
    it("refuses a column value of a deleted row (the reproduction: title 'EVIL', col_version 5, cl 4)", () => {
      expectRefused({ ...value, val: 'EVIL', colVersion: 5, cl: 4 }, 'causal-length');
    });

    it('refuses a column value with cl 2', () => {
      expectRefused({ ...value, cl: 2 }, 'causal-length');
    });

    it('refuses cl 0, for a value and for a sentinel', () => {
      expectRefused({ ...value, cl: 0 }, 'causal-length');
      expectRefused({ ...deleteSentinel, cl: 0, colVersion: 0 }, 'causal-length');
    });
  });

  describe('column-version', () => {
    it("refuses a sentinel whose col_version is not its cl (it would become the row's causal length)", () => {
      expectRefused({ ...deleteSentinel, colVersion: deleteSentinel.cl + 5 }, 'column-version');
      expectRefused({ ...deleteSentinel, cl: 3, colVersion: 1 }, 'column-version');
    });
  });

  describe('sentinel-value', () => {
    it('refuses a sentinel with a value', () => {
      expectRefused({ ...deleteSentinel, val: 'x' }, 'sentinel-value');
    });
  });

  describe('deliverable-size', () => {
    it('refuses a change that fills a whole client frame, which the server could not send on with its own larger versions', () => {
      const maxFrameBytes = 1000;
      const base: Change = { ...value, val: '' };
      const clientFrameBytes = (change: Change): number => 1 + 1 + 1 + changeWireSize(change);
      let length = maxFrameBytes - clientFrameBytes(base);
      while (clientFrameBytes({ ...base, val: 'x'.repeat(length) }) > maxFrameBytes) length -= 1;
      const filling: Change = { ...base, val: 'x'.repeat(length) };
      expect(clientFrameBytes(filling)).toBe(maxFrameBytes);
      const error = thrown(() => checkChangesFrame(frameOf([filling]), { ...context, maxFrameBytes }, streamAfterAccept(0)));
      expect(error).toBeInstanceOf(InvalidChangeError);
      expect((error as InvalidChangeError).rule).toBe('deliverable-size');
    });

    it('accepts every change a client with the same frame limit would send', () => {
      // The client sends a change alone when changeWireSize + CHANGES_FRAME_OVERHEAD_BYTES fits (sync-connection).
      const maxFrameBytes = 1000;
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 2 ** 53 - 1 }), fc.integer({ min: 0, max: 1000 }), (dbVersion, length) => {
          const change: Change = { ...value, dbVersion, val: 'y'.repeat(length) };
          fc.pre(changeWireSize(change) + CHANGES_FRAME_OVERHEAD_BYTES <= maxFrameBytes);
          checkChangesFrame(frameOf([change]), { ...context, maxFrameBytes }, streamAfterAccept(0));
        }),
      );
    });
  });

  describe('version-order', () => {
    it('refuses versions that go back within a frame', () => {
      const error = refusal(frameOf([{ ...value, dbVersion: 5 }, { ...value, dbVersion: 4 }], 5));
      expect([error.rule, error.changeIndex]).toEqual(['version-order', 1]);
    });

    it('refuses a version at or below the last accepted throughVersion, across frames', () => {
      const stream = checkChangesFrame(frameOf([{ ...value, dbVersion: 5 }], 6), context, streamAfterAccept(0));
      expect(refusal(frameOf([{ ...value, dbVersion: 6 }], 7), stream).rule).toBe('version-order');
      expect(refusal(frameOf([{ ...value, dbVersion: 3 }], 7), stream).rule).toBe('version-order');
    });

    it('refuses a version at or below the committed version the accept announced', () => {
      expect(refusal(frameOf([{ ...value, dbVersion: 10 }], 10), streamAfterAccept(10)).rule).toBe('version-order');
    });

    it('refuses a frame going back below a part of a split version sent before', () => {
      const part = checkChangesFrame(frameOf([{ ...value, dbVersion: 9 }], 7), context, streamAfterAccept(7));
      expect(part).toEqual({ throughVersion: 7, lastDbVersion: 9 });
      expect(refusal(frameOf([{ ...value, dbVersion: 8 }], 8), part).rule).toBe('version-order');
      expect(checkChangesFrame(frameOf([{ ...value, dbVersion: 9, seq: 1 }], 9), context, part)).toEqual({ throughVersion: 9, lastDbVersion: 9 });
    });
  });

  describe('through-version', () => {
    it('refuses a throughVersion below the last accepted one', () => {
      const stream = checkChangesFrame(frameOf([], 12), context, streamAfterAccept(0));
      const error = refusal(frameOf([], 11), stream);
      expect([error.rule, error.changeIndex]).toEqual(['through-version', null]);
    });

    it('refuses a change above throughVersion that is not of the frame\'s last version', () => {
      const error = refusal(frameOf([{ ...value, dbVersion: 3 }, { ...value, dbVersion: 4 }], 2));
      expect(error.rule).toBe('through-version');
    });

    it("accepts a part of a split version: the frame's last version above throughVersion", () => {
      const changes = [{ ...value, dbVersion: 3 }, { ...value, dbVersion: 5 }, { ...value, dbVersion: 5, seq: 1 }];
      expect(checkChangesFrame(frameOf(changes, 3), context, streamAfterAccept(0))).toEqual({ throughVersion: 3, lastDbVersion: 5 });
    });
  });
});
