import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GreenlightError } from '../errors.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import { DATA_FOLDER_LOCK_FILE, lockDataFolder, type DataFolderLock, type DataFolderLockHolder } from './data-folder-lock.ts';

let dir: string;
let lockPath: string;
const locks: DataFolderLock[] = [];
const children: ChildProcess[] = [];

function lock(): DataFolderLock {
  const taken = lockDataFolder(dir);
  locks.push(taken);
  return taken;
}

function refusal(): GreenlightError {
  try {
    lock();
  } catch (error) {
    if (error instanceof GreenlightError) return error;
    throw error;
  }
  throw new Error('expected the lock to be refused');
}

function writeLock(holder: Partial<DataFolderLockHolder>): void {
  const full: DataFolderLockHolder = { pid: process.pid, hostname: hostname(), startedAt: '2026-01-15T09:30:00.000Z', token: 'planted', ...holder };
  writeFileSync(lockPath, JSON.stringify(full));
}

/** A process that runs until the test ends. */
function runningProcess(): ChildProcess & { pid: number } {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' });
  children.push(child);
  if (child.pid === undefined) throw new Error('could not start a process');
  return child as ChildProcess & { pid: number };
}

function stampOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return `${bootId}:${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
}

const hasProc = existsSync('/proc/self/stat');

/** The pid of a process that has already exited. */
function exitedPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  if (child.pid === undefined) throw new Error('could not start a process');
  return child.pid;
}

beforeEach(() => {
  dir = makeDataDir();
  lockPath = join(dir, DATA_FOLDER_LOCK_FILE);
});

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const taken of locks.splice(0)) taken.release();
  removeDataDir(dir);
});

describe('lockDataFolder', () => {
  it('records this process in the lock file and removes it on release', () => {
    const taken = lock();
    const holder = JSON.parse(readFileSync(taken.path, 'utf8')) as DataFolderLockHolder;
    expect(holder).toMatchObject({ pid: process.pid, hostname: hostname() });
    taken.release();
    taken.release();
    expect(existsSync(lockPath)).toBe(false);
    // Nothing but the lock was ever written: no draft file is left behind.
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a second lock on the folder, even from the same process, naming the holder', () => {
    lock();
    const error = refusal();
    expect(error.kind).toBe('storage');
    expect(error.message).toContain(`process ${process.pid}`);
    expect(error.message).toContain(lockPath);
  });

  it('can be taken again once released', () => {
    lock().release();
    expect(lock().path).toBe(lockPath);
  });

  it('takes over a lock whose process has exited', () => {
    writeLock({ pid: exitedPid() });
    const taken = lock();
    expect(JSON.parse(readFileSync(taken.path, 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('refuses a lock held by another running process on this machine', () => {
    writeLock({ pid: runningProcess().pid });
    expect(refusal().message).toContain('in use');
  });

  it('takes over a lock naming this process that this process does not hold, as after a container restart', () => {
    writeLock({ pid: process.pid, token: 'from-an-earlier-process' });
    expect(JSON.parse(readFileSync(lock().path, 'utf8'))).not.toMatchObject({ token: 'from-an-earlier-process' });
  });

  // The start-time stamp comes from Linux's /proc; elsewhere only the pid is checked.
  it.runIf(hasProc)('tells a running process from an earlier one that had its pid, by its start time', () => {
    const other = runningProcess();
    writeLock({ pid: other.pid, processStamp: stampOf(other.pid) });
    expect(refusal().message).toContain(`process ${other.pid}`);

    writeLock({ pid: other.pid, processStamp: `${stampOf(other.pid)}0` });
    expect(JSON.parse(readFileSync(lock().path, 'utf8'))).toMatchObject({ pid: process.pid, processStamp: stampOf(process.pid) });
  });

  it('refuses a lock held on another machine, which it cannot check', () => {
    writeLock({ pid: exitedPid(), hostname: 'elsewhere.example' });
    expect(refusal().message).toContain('on elsewhere.example');
  });

  it('refuses a lock file it cannot read, and leaves it in place', () => {
    writeFileSync(lockPath, '{"pid":');
    const error = refusal();
    expect(error.kind).toBe('storage');
    expect(error.message).toContain('cannot be read');
    expect(readFileSync(lockPath, 'utf8')).toBe('{"pid":');
  });

  it('does not remove a lock that has since been replaced by another holder', () => {
    const taken = lock();
    writeLock({ token: 'someone-else' });
    taken.release();
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({ token: 'someone-else' });
  });

  it('lets exactly one of several processes starting together hold the folder, and frees it when that one is killed', async () => {
    const fixture = fileURLToPath(new URL('./data-folder-lock-child.fixture.ts', import.meta.url));
    const started = Array.from({ length: 4 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      return firstLine(child);
    });
    const outcomes = await Promise.all(started);
    expect(outcomes.filter((line) => line === 'locked')).toHaveLength(1);
    expect(outcomes.filter((line) => line === 'refused storage')).toHaveLength(3);

    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)))));
    expect(lock().path).toBe(lockPath);
  });
});

async function firstLine(child: ChildProcess): Promise<string> {
  for await (const line of createInterface({ input: child.stdout! })) return line;
  throw new Error('the child exited without a word');
}
