import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { GreenlightError } from '../errors.ts';
import {
  SQLITE,
  SQLITE_IOERR_ACCESS,
  SQLITE_IOERR_CLOSE,
  SQLITE_IOERR_DELETE,
  SQLITE_IOERR_DIR_FSYNC,
  SQLITE_IOERR_FSTAT,
  SQLITE_IOERR_FSYNC,
  SQLITE_IOERR_READ,
  SQLITE_IOERR_SHORT_READ,
  SQLITE_IOERR_TRUNCATE,
  SQLITE_IOERR_WRITE,
  SQLITE_OPEN,
} from './sqlite-constants.ts';
import type { SqliteWasmModule } from './sqlite-module.ts';

/** The synchronous node:fs calls the VFS makes; tests hand in a wrapper to inject faults. */
export type NodeFsOperations = Pick<
  typeof nodeFs,
  | 'openSync'
  | 'closeSync'
  | 'readSync'
  | 'writeSync'
  | 'ftruncateSync'
  | 'fstatSync'
  | 'fsyncSync'
  | 'statSync'
  | 'unlinkSync'
  | 'constants'
>;

export interface NodeFsVfsOptions {
  /** The name SQLite knows the VFS by; one module cannot register a name twice. */
  readonly name?: string;
  readonly fs?: NodeFsOperations;
}

interface OpenFile {
  readonly fd: number;
  readonly path: string;
  /** Set when the file was just created: its directory entry is made durable on the next xSync. */
  syncDirectoryOnSync: boolean;
}

// Names SQLite sees are short aliases such as "/gl7.db" (plus "-journal" for the
// journal), never the real path: the build fixes the VFS's mxPathname at 64 bytes,
// which a real path can exceed.
const ALIAS_PATTERN = /^\/?(gl\d+\.db)(-journal|-wal|-shm)?$/;

// One process-wide set, so two connections can never share a file through two VFS
// instances: without locks between them, each would corrupt the other's view.
const pathsInUse = new Set<string>();

/**
 * A wa-sqlite VFS on node:fs for the synchronous build. Durability rests on xSync
 * calling fsync, and on fsyncing the directory after creating a journal or
 * database file and after deleting with `syncDir` (synchronous=EXTRA), so that a
 * COMMIT that has returned survives a crash of the process or of the machine.
 *
 * It takes no file locks: it serves connections of one process only, and the
 * in-process guard (`claim`) keeps each path to one connection.
 */
export class NodeFsVfs {
  readonly name: string;
  readonly mxPathName = 64;
  private readonly fs: NodeFsOperations;
  private readonly aliases = new Map<string, string>();
  private readonly files = new Map<number, OpenFile>();
  private readonly registeredOn = new WeakSet<SqliteWasmModule>();
  private nextAlias = 0;
  private nextTemp = 0;

  constructor(options: NodeFsVfsOptions = {}) {
    this.name = options.name ?? 'greenlight-node-fs';
    this.fs = options.fs ?? nodeFs;
  }

  /** Registers this VFS with `module` (once). */
  registerOn(module: SqliteWasmModule): void {
    if (this.registeredOn.has(module)) return;
    const rc = module.registerVFS(this, false);
    if (rc !== SQLITE.OK) throw new GreenlightError('storage', 'storage', `could not register VFS ${this.name} (${rc})`);
    this.registeredOn.add(module);
  }

  /**
   * Reserves `path` for one connection and returns the name to open it by.
   * Throws a storage error if this process already has the path open.
   */
  claim(path: string): { readonly name: string; readonly release: () => void } {
    const absolute = resolve(path);
    if (pathsInUse.has(absolute)) {
      throw new GreenlightError('storage', 'storage', `database file ${absolute} is already open in this process`);
    }
    pathsInUse.add(absolute);
    const alias = `gl${this.nextAlias++}.db`;
    this.aliases.set(alias, absolute);
    let released = false;
    return {
      name: `/${alias}`,
      release: () => {
        if (released) return;
        released = true;
        this.aliases.delete(alias);
        pathsInUse.delete(absolute);
      },
    };
  }

  xOpen(name: string | null, fileId: number, flags: number, pOutFlags: DataView): number {
    const path = name === null ? this.tempPath() : this.pathOf(name);
    if (path === undefined) return SQLITE.CANTOPEN;
    const fs = this.fs;
    const { O_RDWR, O_RDONLY, O_CREAT, O_EXCL } = fs.constants;
    const access = flags & SQLITE_OPEN.READWRITE ? O_RDWR : O_RDONLY;
    let fd: number;
    let created = false;
    try {
      if (flags & SQLITE_OPEN.EXCLUSIVE) {
        fd = fs.openSync(path, access | O_CREAT | O_EXCL, 0o644);
        created = true;
      } else {
        try {
          fd = fs.openSync(path, access);
        } catch (error) {
          if (errorCode(error) !== 'ENOENT' || !(flags & SQLITE_OPEN.CREATE)) throw error;
          fd = fs.openSync(path, access | O_CREAT | O_EXCL, 0o644);
          created = true;
        }
      }
    } catch (error) {
      return errorCode(error) === 'ENOSPC' ? SQLITE.FULL : SQLITE.CANTOPEN;
    }
    if (flags & SQLITE_OPEN.DELETEONCLOSE) {
      // Unlinked at once, the file lives exactly as long as the descriptor, crash or not.
      try {
        fs.unlinkSync(path);
      } catch {
        closeQuietly(fs, fd);
        return SQLITE.CANTOPEN;
      }
    }
    const durable = (flags & (SQLITE_OPEN.MAIN_DB | SQLITE_OPEN.MAIN_JOURNAL)) !== 0;
    this.files.set(fileId, { fd, path, syncDirectoryOnSync: created && durable });
    pOutFlags.setInt32(0, flags, true);
    return SQLITE.OK;
  }

  xClose(fileId: number): number {
    const file = this.files.get(fileId);
    if (file === undefined) return SQLITE.OK;
    this.files.delete(fileId);
    try {
      this.fs.closeSync(file.fd);
      return SQLITE.OK;
    } catch {
      return SQLITE_IOERR_CLOSE;
    }
  }

  xRead(fileId: number, pData: Uint8Array, iOffset: number): number {
    const file = this.files.get(fileId);
    if (file === undefined) return SQLITE_IOERR_READ;
    try {
      let done = 0;
      while (done < pData.byteLength) {
        const read = this.fs.readSync(file.fd, pData, done, pData.byteLength - done, iOffset + done);
        if (read === 0) break;
        done += read;
      }
      if (done < pData.byteLength) {
        // SQLite relies on the unread tail being zeroed when it reads past the end.
        pData.fill(0, done);
        return SQLITE_IOERR_SHORT_READ;
      }
      return SQLITE.OK;
    } catch {
      return SQLITE_IOERR_READ;
    }
  }

  xWrite(fileId: number, pData: Uint8Array, iOffset: number): number {
    const file = this.files.get(fileId);
    if (file === undefined) return SQLITE_IOERR_WRITE;
    try {
      let done = 0;
      while (done < pData.byteLength) {
        done += this.fs.writeSync(file.fd, pData, done, pData.byteLength - done, iOffset + done);
      }
      return SQLITE.OK;
    } catch (error) {
      return isDiskFull(error) ? SQLITE.FULL : SQLITE_IOERR_WRITE;
    }
  }

  xTruncate(fileId: number, iSize: number): number {
    const file = this.files.get(fileId);
    if (file === undefined) return SQLITE_IOERR_TRUNCATE;
    try {
      this.fs.ftruncateSync(file.fd, iSize);
      return SQLITE.OK;
    } catch (error) {
      return isDiskFull(error) ? SQLITE.FULL : SQLITE_IOERR_TRUNCATE;
    }
  }

  xSync(fileId: number, _flags: number): number {
    const file = this.files.get(fileId);
    if (file === undefined) return SQLITE_IOERR_FSYNC;
    try {
      this.fs.fsyncSync(file.fd);
    } catch (error) {
      return isDiskFull(error) ? SQLITE.FULL : SQLITE_IOERR_FSYNC;
    }
    if (file.syncDirectoryOnSync) {
      if (!this.syncDirectory(file.path)) return SQLITE_IOERR_DIR_FSYNC;
      file.syncDirectoryOnSync = false;
    }
    return SQLITE.OK;
  }

  xFileSize(fileId: number, pSize64: DataView): number {
    const file = this.files.get(fileId);
    if (file === undefined) return SQLITE_IOERR_FSTAT;
    try {
      pSize64.setBigInt64(0, BigInt(this.fs.fstatSync(file.fd).size), true);
      return SQLITE.OK;
    } catch {
      return SQLITE_IOERR_FSTAT;
    }
  }

  xLock(_fileId: number, _flags: number): number {
    return SQLITE.OK;
  }

  xUnlock(_fileId: number, _flags: number): number {
    return SQLITE.OK;
  }

  xCheckReservedLock(_fileId: number, pResOut: DataView): number {
    pResOut.setInt32(0, 0, true);
    return SQLITE.OK;
  }

  xFileControl(_fileId: number, _op: number, _pArg: DataView): number {
    return SQLITE.NOTFOUND;
  }

  xSectorSize(_fileId: number): number {
    return 4096;
  }

  // No IOCAP flags: claim nothing about the device, so SQLite takes every precaution.
  xDeviceCharacteristics(_fileId: number): number {
    return 0;
  }

  xDelete(name: string, syncDir: number): number {
    const path = this.pathOf(name);
    if (path === undefined) return SQLITE_IOERR_DELETE;
    try {
      this.fs.unlinkSync(path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') return SQLITE_IOERR_DELETE;
    }
    if (syncDir && !this.syncDirectory(path)) return SQLITE_IOERR_DIR_FSYNC;
    return SQLITE.OK;
  }

  xAccess(name: string, _flags: number, pResOut: DataView): number {
    const path = this.pathOf(name);
    if (path === undefined) {
      pResOut.setInt32(0, 0, true);
      return SQLITE.OK;
    }
    try {
      const stats = this.fs.statSync(path, { throwIfNoEntry: false });
      // Like the unix VFS: an empty file counts as absent (a journal truncated to
      // nothing), and an existing file is taken as readable and writable.
      const exists = stats !== undefined && (!stats.isFile() || stats.size > 0);
      pResOut.setInt32(0, exists ? 1 : 0, true);
      return SQLITE.OK;
    } catch {
      return SQLITE_IOERR_ACCESS;
    }
  }

  private pathOf(name: string): string | undefined {
    const match = ALIAS_PATTERN.exec(name);
    if (match === null) return undefined;
    const base = this.aliases.get(match[1] as string);
    return base === undefined ? undefined : base + (match[2] ?? '');
  }

  private tempPath(): string {
    return join(tmpdir(), `greenlight-${process.pid}-${this.nextTemp++}-${Date.now()}.tmp`);
  }

  private syncDirectory(path: string): boolean {
    let fd: number | undefined;
    try {
      fd = this.fs.openSync(dirname(path), this.fs.constants.O_RDONLY);
      this.fs.fsyncSync(fd);
      return true;
    } catch {
      return false;
    } finally {
      if (fd !== undefined) closeQuietly(this.fs, fd);
    }
  }
}

function closeQuietly(fs: NodeFsOperations, fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Nothing was written through this descriptor, so a failed close loses nothing.
  }
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isDiskFull(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG';
}
