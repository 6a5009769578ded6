import { randomUUID } from 'node:crypto';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { GreenlightError } from '../errors.ts';

/**
 * The file that says a server owns a data folder. It starts with a dot, which no
 * database name may, so it can never be taken for a database.
 */
export const DATA_FOLDER_LOCK_FILE = '.greenlight-server.lock';

/** What a lock file records about the server holding it. */
export interface DataFolderLockHolder {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: string;
  /**
   * On Linux, the boot and the kernel's start time of the holding process: a
   * later process given the same pid (a container restarted) has another one.
   */
  readonly processStamp?: string;
  /** Tells this holder's file from any other, e.g. to release only our own. */
  readonly token: string;
}

export interface DataFolderLock {
  readonly path: string;
  /** Removes the lock file, if it is still this lock's. Safe to call twice. */
  release(): void;
}

/**
 * Claims a data folder for one server process. The SQLite files are opened
 * through a file system without cross-process locks, so two servers writing one
 * folder would corrupt each other's databases and lose acknowledged commits.
 *
 * A lock left by a process that is no longer running on this machine (a crash, a
 * `kill -9`) is taken over. A lock from a live process, this one included, from
 * another machine sharing the folder, or one that cannot be read, is refused with
 * a `storage` error that names the holder and the file to delete if it is stale.
 */
export function lockDataFolder(directory: string): DataFolderLock {
  const path = join(directory, DATA_FOLDER_LOCK_FILE);
  const stamp = processStamp(process.pid);
  const holder: DataFolderLockHolder = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    ...(stamp === null ? {} : { processStamp: stamp }),
    token: randomUUID(),
  };
  // Twice at most: once, and once more after removing a dead process's lock.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    if (tryCreate(path, holder)) {
      heldTokens.add(holder.token);
      return {
        path,
        release: () => {
          heldTokens.delete(holder.token);
          removeIfStill(path, holder.token);
        },
      };
    }
    const existing = readHolder(path);
    if (existing === 'gone') continue;
    if (existing === 'unreadable') throw unreadableLock(directory, path);
    if (holdsTheFolder(existing)) throw folderInUse(directory, path, existing);
    removeIfStill(path, existing.token);
  }
  throw new GreenlightError('storage', 'storage', `could not lock the data folder ${directory}: ${path} keeps reappearing`);
}

/**
 * Writes the whole record under a private name, then links it into place: the
 * link fails when a lock exists, so of two servers starting at once only one
 * wins, and no reader ever sees a lock file half written.
 */
function tryCreate(path: string, holder: DataFolderLockHolder): boolean {
  const draft = `${path}.${holder.token}.tmp`;
  try {
    writeFileSync(draft, `${JSON.stringify(holder)}\n`, { flag: 'wx' });
    linkSync(draft, path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw new GreenlightError('storage', 'storage', `could not create the lock file ${path}`, { cause: error });
  } finally {
    removeFile(draft);
  }
}

function readHolder(path: string): DataFolderLockHolder | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'gone';
    throw new GreenlightError('storage', 'storage', `could not read the lock file ${path}`, { cause: error });
  }
  try {
    const value: unknown = JSON.parse(text);
    return isHolder(value) ? value : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

// The locks this process holds. A lock naming this process's pid that is not
// among them was left by an earlier process with the same pid: in a container,
// the server often gets the same pid after every restart.
const heldTokens = new Set<string>();

function holdsTheFolder(holder: DataFolderLockHolder): boolean {
  // A process on another machine cannot be checked from here; assume it is running.
  if (holder.hostname !== hostname()) return true;
  if (holder.pid === process.pid) return heldTokens.has(holder.token);
  // A server is never the parent of the server starting now: that pid was reused.
  if (holder.pid === process.ppid) return false;
  if (!isRunning(holder.pid)) return false;
  const stamp = processStamp(holder.pid);
  return holder.processStamp === undefined || stamp === null || stamp === holder.processStamp;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return errorCode(error) !== 'ESRCH';
  }
}

/**
 * `<boot id>:<start time>` of a process, from Linux's /proc; null elsewhere or
 * when the process is gone. Start time is field 22 of /proc/<pid>/stat, counted
 * after the command name, which is in parentheses and may itself hold spaces.
 */
function processStamp(pid: number): string | null {
  try {
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fieldsAfterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 1 and 2 (pid and name) are gone, so field 22 sits at index 19.
    const startTicks = fieldsAfterName[19];
    return startTicks === undefined ? null : `${bootId}:${startTicks}`;
  } catch {
    return null;
  }
}

/**
 * Removes the lock file if it still holds `token`. Reading it again just before
 * removing narrows, without closing, the window in which another server could
 * replace a stale lock between our check and our removal.
 */
function removeIfStill(path: string, token: string): void {
  const current = readHolder(path);
  if (typeof current === 'object' && current.token === token) removeFile(path);
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw new GreenlightError('storage', 'storage', `could not remove ${path}`, { cause: error });
  }
}

function folderInUse(directory: string, path: string, holder: DataFolderLockHolder): GreenlightError {
  const where = holder.hostname === hostname() ? `process ${holder.pid}` : `process ${holder.pid} on ${holder.hostname}`;
  return new GreenlightError(
    'storage',
    'storage',
    `the data folder ${directory} is in use by the Greenlight server of ${where}, started ${holder.startedAt}; ` +
      `stop that server or choose another folder (if none is running, delete ${path})`,
  );
}

function unreadableLock(directory: string, path: string): GreenlightError {
  return new GreenlightError(
    'storage',
    'storage',
    `the data folder ${directory} has a lock file that cannot be read (${path}); if no Greenlight server is using the folder, delete it`,
  );
}

function isHolder(value: unknown): value is DataFolderLockHolder {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    Number.isSafeInteger(record['pid']) &&
    typeof record['hostname'] === 'string' &&
    typeof record['startedAt'] === 'string' &&
    (record['processStamp'] === undefined || typeof record['processStamp'] === 'string') &&
    typeof record['token'] === 'string'
  );
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}
