/**
 * The few SQLite C constants this layer needs, kept here as typed values so that
 * no browser or Node file has to import wa-sqlite's untyped constants module.
 */
export const SQLITE = {
  OK: 0,
  ERROR: 1,
  INTERNAL: 2,
  PERM: 3,
  ABORT: 4,
  BUSY: 5,
  LOCKED: 6,
  NOMEM: 7,
  READONLY: 8,
  INTERRUPT: 9,
  IOERR: 10,
  CORRUPT: 11,
  NOTFOUND: 12,
  FULL: 13,
  CANTOPEN: 14,
  PROTOCOL: 15,
  EMPTY: 16,
  SCHEMA: 17,
  TOOBIG: 18,
  CONSTRAINT: 19,
  MISMATCH: 20,
  MISUSE: 21,
  NOLFS: 22,
  AUTH: 23,
  FORMAT: 24,
  RANGE: 25,
  NOTADB: 26,
  NOTICE: 27,
  WARNING: 28,
  ROW: 100,
  DONE: 101,
} as const;

export const SQLITE_IOERR_SHORT_READ = SQLITE.IOERR | (2 << 8);
export const SQLITE_IOERR_READ = SQLITE.IOERR | (1 << 8);
export const SQLITE_IOERR_WRITE = SQLITE.IOERR | (3 << 8);
export const SQLITE_IOERR_FSYNC = SQLITE.IOERR | (4 << 8);
export const SQLITE_IOERR_DIR_FSYNC = SQLITE.IOERR | (5 << 8);
export const SQLITE_IOERR_TRUNCATE = SQLITE.IOERR | (6 << 8);
export const SQLITE_IOERR_FSTAT = SQLITE.IOERR | (7 << 8);
export const SQLITE_IOERR_DELETE = SQLITE.IOERR | (10 << 8);
export const SQLITE_IOERR_ACCESS = SQLITE.IOERR | (13 << 8);
export const SQLITE_IOERR_CLOSE = SQLITE.IOERR | (16 << 8);

export const SQLITE_OPEN = {
  READONLY: 0x00000001,
  READWRITE: 0x00000002,
  CREATE: 0x00000004,
  DELETEONCLOSE: 0x00000008,
  EXCLUSIVE: 0x00000010,
  URI: 0x00000040,
  MAIN_DB: 0x00000100,
  TEMP_DB: 0x00000200,
  TRANSIENT_DB: 0x00000400,
  MAIN_JOURNAL: 0x00000800,
  TEMP_JOURNAL: 0x00001000,
  SUBJOURNAL: 0x00002000,
  SUPER_JOURNAL: 0x00004000,
} as const;

export const SQLITE_DATATYPE = { INTEGER: 1, FLOAT: 2, TEXT: 3, BLOB: 4, NULL: 5 } as const;

const PRIMARY_CODE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(SQLITE).map(([name, code]) => [code, `SQLITE_${name}`]),
);

/** `SQLITE_FULL` for 13, `SQLITE_IOERR` for any extended disk I/O code, and so on. */
export function sqliteCodeName(code: number): string {
  return PRIMARY_CODE_NAMES.get(code & 0xff) ?? `SQLITE_UNKNOWN(${code})`;
}
