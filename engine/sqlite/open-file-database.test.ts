import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isErrorOfKind } from '../errors.ts';
import { NodeFsVfs, type NodeFsOperations } from './node-fs-vfs.ts';
import { openFileDatabase, openFileDatabaseOn } from './open-file-database.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { SQLITE } from './sqlite-constants.ts';
import { sqliteCodeOf } from './storage-error.ts';

let dir: string;
const opened: SqliteConnection[] = [];
const children: ChildProcess[] = [];

async function open(path: string): Promise<SqliteConnection> {
  const db = await openFileDatabase(path);
  opened.push(db);
  return db;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'greenlight-sqlite-'));
});

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const db of opened.splice(0)) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('openFileDatabase', () => {
  it('keeps committed data across close and reopen, journal gone', async () => {
    const path = join(dir, 'books.db');
    const first = await openFileDatabase(path);
    first.exec("CREATE TABLE book (id INTEGER PRIMARY KEY NOT NULL, title TEXT); SELECT crsql_as_crr('book');");
    first.transaction(() => first.exec("INSERT INTO book VALUES (1, 'Dune')"));
    const site = first.all('SELECT crsql_site_id()');
    first.close();
    expect(fs.existsSync(`${path}-journal`)).toBe(false);

    const second = await open(path);
    expect(second.all('SELECT id, title FROM book')).toEqual([[1, 'Dune']]);
    expect(second.all('SELECT crsql_site_id()')).toEqual(site);
    expect(second.all('PRAGMA journal_mode')).toEqual([['delete']]);
  });

  it('serves several files at once, each with its own data', async () => {
    const a = await open(join(dir, 'a.db'));
    const b = await open(join(dir, 'b.db'));
    a.exec('CREATE TABLE t (x)');
    b.exec('CREATE TABLE t (x)');
    a.transaction(() => a.exec("INSERT INTO t VALUES ('a')"));
    b.transaction(() => b.exec("INSERT INTO t VALUES ('b')"));
    a.exec("INSERT INTO t VALUES ('a2')");
    expect(a.all('SELECT x FROM t ORDER BY x')).toEqual([['a'], ['a2']]);
    expect(b.all('SELECT x FROM t')).toEqual([['b']]);
  });

  it('handles a path longer than the 64-byte VFS path limit', async () => {
    const deep = join(dir, 'a-directory-whose-name-alone-is-longer-than-sixty-four-bytes-of-path');
    fs.mkdirSync(deep);
    const db = await open(join(deep, 'long.db'));
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1);');
    expect(db.all('SELECT x FROM t')).toEqual([[1]]);
  });

  it('refuses a second connection to an open path until the first closes', async () => {
    const path = join(dir, 'one.db');
    const first = await openFileDatabase(path);
    const error = await rejection(openFileDatabase(join(dir, '.', 'one.db')));
    expect(isErrorOfKind(error, 'storage')).toBe(true);
    first.close();
    const again = await open(path);
    expect(again.all('SELECT 1')).toEqual([[1]]);
  });

  it('fails with a storage error when the folder does not exist, and releases the path', async () => {
    const path = join(dir, 'missing', 'x.db');
    const error = await rejection(openFileDatabase(path));
    expect(isErrorOfKind(error, 'storage')).toBe(true);
    expect(sqliteCodeOf(error)).toBe(SQLITE.CANTOPEN);
    fs.mkdirSync(join(dir, 'missing'));
    const db = await open(path);
    expect(db.all('SELECT 1')).toEqual([[1]]);
  });
});

describe('temporary files', () => {
  it('creates unnamed temporary files itself and leaves none behind', async () => {
    const openedPaths: string[] = [];
    const watchingFs: NodeFsOperations = {
      ...fs,
      openSync: ((path: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode | null) => {
        openedPaths.push(String(path));
        return fs.openSync(path, flags, mode);
      }) as typeof fs.openSync,
    };
    const vfs = new NodeFsVfs({ name: 'greenlight-test-temp-files', fs: watchingFs });
    const db = await openFileDatabaseOn(vfs, join(dir, 'temp.db'));
    // A tiny cache makes the temporary database spill to a file at once.
    db.exec('PRAGMA temp_store = FILE; PRAGMA temp.cache_size = 2;');
    db.exec(
      'CREATE TEMP TABLE scratch AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) SELECT i, randomblob(100) AS b FROM n',
    );
    expect(db.all('SELECT count(*) FROM scratch')).toEqual([[5000]]);
    db.close();
    const temporary = openedPaths.filter((path) => path.startsWith(join(tmpdir(), `greenlight-${process.pid}-`)));
    expect(temporary.length).toBeGreaterThan(0);
    expect(temporary.filter((path) => fs.existsSync(path))).toEqual([]);
  });
});

function errnoError(code: string): Error {
  return Object.assign(new Error(`${code}: injected`), { code });
}

describe('a failing disk', () => {
  it('surfaces a failed fsync as a storage error and rolls back', async () => {
    let failing = false;
    const failingFs: NodeFsOperations = {
      ...fs,
      fsyncSync: (fd: number) => {
        if (failing) throw errnoError('EIO');
        fs.fsyncSync(fd);
      },
    };
    const vfs = new NodeFsVfs({ name: 'greenlight-test-fsync-fails', fs: failingFs });
    const db = await openFileDatabaseOn(vfs, join(dir, 'eio.db'));
    opened.push(db);
    db.exec('CREATE TABLE t (x)');
    db.transaction(() => db.exec("INSERT INTO t VALUES ('kept')"));
    failing = true;
    const error = (() => {
      try {
        db.transaction(() => db.exec("INSERT INTO t VALUES ('lost')"));
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(isErrorOfKind(error, 'storage')).toBe(true);
    expect(sqliteCodeOf(error)! & 0xff).toBe(SQLITE.IOERR);
    failing = false;
    expect(db.all('SELECT x FROM t')).toEqual([['kept']]);
  });

  it('surfaces SQLITE_FULL as a storage error, rolls back, and keeps earlier data', async () => {
    let full = false;
    const failingFs: NodeFsOperations = {
      ...fs,
      writeSync: ((...args: Parameters<typeof fs.writeSync>) => {
        if (full) throw errnoError('ENOSPC');
        return (fs.writeSync as (...a: Parameters<typeof fs.writeSync>) => number)(...args);
      }) as typeof fs.writeSync,
    };
    const vfs = new NodeFsVfs({ name: 'greenlight-test-full-disk', fs: failingFs });
    const path = join(dir, 'full.db');
    const db = await openFileDatabaseOn(vfs, path);
    opened.push(db);
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY NOT NULL, body TEXT); SELECT crsql_as_crr('t');");
    db.transaction(() => db.exec("INSERT INTO t VALUES (1, 'kept')"));

    full = true;
    let error: unknown;
    try {
      db.transaction(() => {
        for (let id = 2; id < 400; id++) db.exec('INSERT INTO t VALUES (?, ?)', [id, 'y'.repeat(4000)]);
      });
    } catch (caught) {
      error = caught;
    }
    expect(isErrorOfKind(error, 'storage')).toBe(true);
    expect(sqliteCodeOf(error)).toBe(SQLITE.FULL);
    expect((error as Error).message).toContain('SQLITE_FULL');

    full = false;
    expect(db.all('SELECT id, body FROM t')).toEqual([[1, 'kept']]);
    db.transaction(() => db.exec("INSERT INTO t VALUES (2, 'after')"));
    db.close();
    opened.splice(opened.indexOf(db), 1);

    const reopened = await open(path);
    expect(reopened.all('SELECT id, body FROM t ORDER BY id')).toEqual([
      [1, 'kept'],
      [2, 'after'],
    ]);
    expect(reopened.all('PRAGMA integrity_check')).toEqual([['ok']]);
  });
});

describe('durability', () => {
  it('keeps every commit that returned before the process was killed with SIGKILL', async () => {
    const path = join(dir, 'durable.db');
    const childScript = fileURLToPath(new URL('./durability-child.fixture.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, path, '100000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));

    const committed: number[] = [];
    const killAfter = 40;
    for await (const line of createInterface({ input: child.stdout! })) {
      const match = /^committed (\d+)$/.exec(line);
      if (match === null) continue;
      committed.push(Number(match[1]));
      if (committed.length === killAfter) child.kill('SIGKILL');
    }
    expect(await exited, stderr).toBe('SIGKILL');
    expect(committed.length).toBeGreaterThanOrEqual(killAfter);

    const db = await open(path);
    expect(db.all('PRAGMA integrity_check')).toEqual([['ok']]);
    const stored = new Set(db.all<[number]>('SELECT id FROM row').map(([id]) => id));
    expect(committed.filter((id) => !stored.has(id))).toEqual([]);
    expect(db.all('SELECT count(*) FROM row__crsql_clock')).toEqual([[stored.size]]);
  });
});
