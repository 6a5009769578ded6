import { GreenlightError, toGreenlightError } from '../errors.ts';
import { siteIdFromBytes, type DatabaseName, type SiteId } from '../protocol/ids.ts';
import type { Change, SqlValue } from '../protocol/messages.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { readWrittenDbVersion } from '../sqlite/written-db-version.ts';
import type { ServerSchema } from './server-schema.ts';
import { readCrrTables, type CrrTables } from './crr-tables.ts';

/** What a server database says about itself (the `/:db/meta` body). */
export interface ServerDatabaseMeta {
  readonly database: DatabaseName;
  readonly siteId: SiteId;
  readonly schemaName: string;
  readonly schemaVersion: number;
  readonly dbVersion: number;
}

export interface ExecResult {
  readonly rows: SqlValue[][];
  readonly dbVersion: number;
}

// SQLite allows 32766 bound parameters; 9 per change keeps well below it while
// still giving the multi-row inserts that make merging fast.
const MERGE_ROWS_PER_STATEMENT = 200;
const CHANGE_COLUMNS = '"table", pk, cid, val, col_version, db_version, site_id, cl, seq';
const MERGE_ROW_PLACEHOLDERS = '(?, ?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * Run on every attach, so a database created before this table existed gets it
 * too. Site secrets are bookkeeping, not app data: a plain table, not a CRR.
 */
const SITE_SECRETS_SQL = `
  CREATE TABLE IF NOT EXISTS greenlight_site_secrets (
    site_id BLOB PRIMARY KEY,
    secret_hash BLOB NOT NULL
  );
`;

const INIT_SQL = `
  CREATE TABLE greenlight_server_meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    schema_name TEXT NOT NULL,
    schema_version INTEGER NOT NULL
  );
  CREATE TABLE greenlight_peers (
    site_id BLOB PRIMARY KEY,
    committed_version INTEGER NOT NULL
  );
`;

/**
 * One server-side cr-sqlite database: the app tables from the schema, plus the
 * schema it was created with and, per client, the highest client db_version whose
 * changes it has durably committed. All work on it is synchronous, so a sequence
 * of calls made without awaiting in between sees one consistent database.
 */
export class ServerDatabase {
  readonly name: DatabaseName;
  readonly siteId: SiteId;
  readonly schemaName: string;
  readonly schemaVersion: number;
  readonly #connection: SqliteConnection;
  #crrTables: CrrTables | null = null;

  private constructor(name: DatabaseName, connection: SqliteConnection, siteIdBytes: Uint8Array, schema: { name: string; version: number }) {
    this.name = name;
    this.#connection = connection;
    this.siteId = siteIdFromBytes(siteIdBytes);
    this.schemaName = schema.name;
    this.schemaVersion = schema.version;
  }

  /**
   * Wraps an open connection, creating the schema and Greenlight's tables in one
   * transaction when the database is new, so a crash leaves either nothing or a
   * complete database.
   */
  static attach(name: DatabaseName, connection: SqliteConnection, schema: ServerSchema): ServerDatabase {
    try {
      const initialized = connection.all("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'greenlight_server_meta'").length > 0;
      if (!initialized) {
        connection.transaction(() => {
          connection.exec(schema.sql);
          connection.exec(INIT_SQL);
          connection.exec('INSERT INTO greenlight_server_meta (id, schema_name, schema_version) VALUES (1, ?, ?)', [schema.name, schema.version]);
        });
      }
      connection.transaction(() => connection.exec(SITE_SECRETS_SQL));
      const [meta] = connection.all('SELECT schema_name, schema_version FROM greenlight_server_meta WHERE id = 1');
      const [site] = connection.all('SELECT crsql_site_id()');
      const siteBytes = site?.[0];
      if (meta === undefined || !(siteBytes instanceof Uint8Array)) {
        throw new GreenlightError('storage', 'server', `database ${name} has no Greenlight metadata`);
      }
      return new ServerDatabase(name, connection, siteBytes, { name: String(meta[0]), version: toNumber(meta[1]) });
    } catch (error) {
      throw toGreenlightError(error, 'storage', 'storage');
    }
  }

  dbVersion(): number {
    return readWrittenDbVersion(this.#connection);
  }

  meta(): ServerDatabaseMeta {
    return {
      database: this.name,
      siteId: this.siteId,
      schemaName: this.schemaName,
      schemaVersion: this.schemaVersion,
      dbVersion: this.dbVersion(),
    };
  }

  /** The replicated tables, read once, and again after an `/exec`, which may have changed the schema. */
  crrTables(): CrrTables {
    this.#crrTables ??= readCrrTables(this.#connection);
    return this.#crrTables;
  }

  committedClientVersion(client: Uint8Array): number {
    const [row] = this.#connection.all('SELECT committed_version FROM greenlight_peers WHERE site_id = ?', [client]);
    return row === undefined ? 0 : toNumber(row[0]);
  }

  /** The SHA-256 of the secret registered for a client site id, or null before its first accepted hello. */
  siteSecretHash(client: Uint8Array): Uint8Array | null {
    const [row] = this.#connection.all('SELECT secret_hash FROM greenlight_site_secrets WHERE site_id = ?', [client]);
    const hash = row?.[0];
    return hash instanceof Uint8Array ? hash : null;
  }

  /** Registers a new site id's secret hash, durably, before the hello that brought it is accepted. */
  registerSiteSecret(client: Uint8Array, secretHash: Uint8Array): void {
    try {
      this.#connection.transaction(() =>
        this.#connection.exec('INSERT INTO greenlight_site_secrets (site_id, secret_hash) VALUES (?, ?)', [client, secretHash]),
      );
    } catch (error) {
      throw toGreenlightError(error, 'storage', 'storage');
    }
  }

  /**
   * Changes with `after < db_version <= through` not made by `excludeSite`,
   * ordered as they must be applied. Changes keep the site id of whoever made them.
   */
  changesBetween(after: number, through: number, excludeSite: Uint8Array | null): Change[] {
    const rows = this.#connection.all(
      `SELECT "table", pk, cid, val, col_version, db_version, COALESCE(site_id, crsql_site_id()), cl, seq
         FROM crsql_changes
        WHERE db_version > ? AND db_version <= ? AND site_id IS NOT ?
        ORDER BY db_version, seq`,
      [after, through, excludeSite],
    );
    return rows.map(rowToChange);
  }

  /**
   * Merges a client's changes and records that everything of that client through
   * `throughVersion` is committed, in one transaction: the acknowledgement the
   * caller sends afterwards is then never ahead of the data. Returns the client's
   * committed version.
   */
  mergeClientChanges(client: Uint8Array, changes: readonly Change[], throughVersion: number): number {
    try {
      this.#connection.transaction(() => {
        for (let start = 0; start < changes.length; start += MERGE_ROWS_PER_STATEMENT) {
          const chunk = changes.slice(start, start + MERGE_ROWS_PER_STATEMENT);
          const params: SqlValue[] = [];
          for (const change of chunk) {
            params.push(change.table, change.pk, change.cid, change.val, change.colVersion, change.dbVersion, change.siteId, change.cl, change.seq);
          }
          this.#connection.exec(
            `INSERT INTO crsql_changes (${CHANGE_COLUMNS}) VALUES ${Array.from(chunk, () => MERGE_ROW_PLACEHOLDERS).join(', ')}`,
            params,
          );
        }
        this.#connection.exec(
          `INSERT INTO greenlight_peers (site_id, committed_version) VALUES (?, ?)
             ON CONFLICT (site_id) DO UPDATE SET committed_version = max(committed_version, excluded.committed_version)`,
          [client, throughVersion],
        );
      });
    } catch (error) {
      throw toGreenlightError(error, 'storage', 'storage');
    }
    return this.committedClientVersion(client);
  }

  /** Runs one statement in its own transaction (the guarded `/exec` route). */
  exec(sql: string, params: readonly SqlValue[]): ExecResult {
    this.#crrTables = null;
    try {
      const rows = this.#connection.transaction(() => this.#connection.all(sql, params));
      return { rows, dbVersion: this.dbVersion() };
    } catch (error) {
      throw toGreenlightError(error, 'storage', 'storage');
    }
  }

  close(): void {
    this.#connection.close();
  }
}

function rowToChange(row: readonly SqlValue[]): Change {
  const [table, pk, cid, val, colVersion, dbVersion, siteId, cl, seq] = row;
  if (typeof table !== 'string' || !(pk instanceof Uint8Array) || typeof cid !== 'string' || !(siteId instanceof Uint8Array)) {
    throw new GreenlightError('storage', 'server', 'crsql_changes returned a row of unexpected shape');
  }
  return {
    table,
    pk,
    cid,
    val: val ?? null,
    colVersion: toNumber(colVersion),
    dbVersion: toNumber(dbVersion),
    siteId,
    cl: toNumber(cl),
    seq: toNumber(seq),
  };
}

function toNumber(value: SqlValue | undefined): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw new GreenlightError('storage', 'server', `expected an integer, got ${typeof value}`);
}
