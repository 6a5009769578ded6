import { GreenlightError } from '../errors.ts';
import type { Change } from '../protocol/messages.ts';
import type { ClientTransaction } from './client-database.ts';
import { CRR_TABLE_NAMES_SQL } from '../sqlite/crr-table-names.ts';
import { readWrittenDbVersionAsync } from '../sqlite/written-db-version.ts';

/**
 * What an honest server can never say, and the client refuses rather than
 * believe. Each refusal (but the unknown table, below) is a `server-misbehaved` error: the connection is
 * closed, nothing it said is applied or counted (the pending count is never
 * cleared by it), and the status is `stuck: server-misbehaved` until a later
 * connection is green. Stuck, not incompatible: every claim is judged on one
 * connection against what this database holds, and a new connection starts
 * again from the persisted cursor and acknowledged version, so a server that
 * had one bad moment (or a corrupting proxy) can recover. What would fail the
 * same way on every connection is refused at the accept as `incompatible`
 * instead (see SyncConnection's accept checks).
 */

export function serverMisbehaved(message: string): GreenlightError {
  return new GreenlightError('server-misbehaved', 'client', `the server misbehaved: ${message}`);
}

/**
 * The server acknowledges only what this client sent, and it sends only what it
 * wrote: an acknowledgement above the highest written version would mark
 * changes as saved that the server never received (or that do not exist yet).
 */
export async function refuseUnwrittenAck(tx: ClientTransaction, committedClientVersion: number): Promise<void> {
  const written = await readWrittenDbVersionAsync(tx);
  if (committedClientVersion <= written) return;
  throw serverMisbehaved(`it acknowledged local version ${committedClientVersion}, but this database has written only through ${written}`);
}

/**
 * Under one schema name and version, every change names a table this database
 * syncs; checked before anything is applied, so nothing of the message is.
 * This one is `apply-failed`, not `server-misbehaved`: the client cannot tell
 * whether the server or its own database strays from the schema both named
 * (a host whose schema creation went wrong looks the same), and "could not
 * save the server's changes here" is true either way. Nuke and Resync, on a
 * correctly created database, is the cure when the fault is local.
 */
export class KnownTables {
  /** Tables found synced at the last look; looked up again only when a change names another. */
  #synced = new Set<string>();

  async refuseUnknown(db: Pick<ClientTransaction, 'all'>, changes: readonly Change[]): Promise<void> {
    const unknown = new Set<string>();
    for (const change of changes) if (!this.#synced.has(change.table)) unknown.add(change.table);
    if (unknown.size === 0) return;
    this.#synced = new Set((await db.all(CRR_TABLE_NAMES_SQL)).map(([name]) => String(name)));
    for (const table of unknown) {
      if (this.#synced.has(table)) continue;
      throw new GreenlightError(
        'apply-failed',
        'client',
        `the server sent a change for table ${JSON.stringify(table)}, which this database does not sync: nothing of the message was applied`,
      );
    }
  }
}

/**
 * The server's versions only grow under one identity. Two sequences are
 * watched, because they legitimately differ: the server's current version
 * (pings, pongs, the accept, caught-up), which a ping before the accept may
 * already put above the accept's catch-up target; and the cursor its `changes`
 * carry, which climbs from this client's cursor to that target and on. Neither
 * may fall below the cursor this client stored from the same server.
 */
export class ServerVersionWatch {
  /** The lowest the server's current version can now be. */
  #current: number;
  /** The last `throughVersion` a changes message carried. */
  #streamed: number;
  #acceptedVersion: number;

  constructor(storedCursor: number) {
    this.#current = storedCursor;
    this.#streamed = storedCursor;
    this.#acceptedVersion = storedCursor;
  }

  accepted(serverVersion: number): void {
    this.#acceptedVersion = serverVersion;
    this.#current = Math.max(this.#current, serverVersion);
  }

  /** A ping or pong: the server's current version. */
  announced(serverVersion: number, what: string): void {
    if (serverVersion < this.#current) {
      throw serverMisbehaved(`its ${what} says version ${serverVersion}, but it already said ${this.#current}: its version went backwards`);
    }
    this.#current = serverVersion;
  }

  streamed(throughVersion: number): void {
    if (throughVersion < this.#streamed) {
      throw serverMisbehaved(`it sent changes through version ${throughVersion} after changes through ${this.#streamed}: its cursor went backwards`);
    }
    this.#streamed = throughVersion;
  }

  caughtUp(serverVersion: number): void {
    const floor = Math.max(this.#acceptedVersion, this.#streamed);
    if (serverVersion < floor) {
      throw serverMisbehaved(`it said it was caught up at version ${serverVersion}, below the ${floor} it had already reached`);
    }
    this.#current = Math.max(this.#current, serverVersion);
  }
}
