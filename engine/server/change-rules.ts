import { changeWireSize } from '../protocol/codec.ts';
import { varUintSize } from '../protocol/byte-writer.ts';
import type { Change, ChangesMessage } from '../protocol/messages.ts';
import { scanPackedKey, type PackedKeyType } from '../protocol/packed-key.ts';
import { decodeExactUtf8 } from '../protocol/sql-value.ts';
import type { CrrKeyColumn, CrrTable, CrrTables } from './crr-tables.ts';
import { InvalidChangeError, type ChangeRule } from './invalid-change-error.ts';

/**
 * What a server checks before it merges a client's changes frame: that every
 * change is one cr-sqlite itself could have put in that client's
 * `crsql_changes`, and that the frame continues that client's stream of
 * versions. cr-sqlite merges whatever it is given (a column value with an even
 * causal length deletes the row, a sentinel's col_version becomes the row's
 * causal length), so a change it could never have produced would leave the
 * server holding a state no client can reach, and the replicas apart for good.
 *
 * What is NOT checked, on purpose: whether a change is older than what the
 * server holds. cr-sqlite ignores a change with a lower causal length or
 * col_version, and an honest client sends such changes all the time (it wrote
 * offline while someone else wrote later).
 *
 * Each rule below is one function that returns what is wrong, or null; the
 * protocol README's "What a server accepts" lists the same rules.
 */

/** cr-sqlite's `cid` of the row's create/delete record (its causal length lives in that record's col_version). */
export const SENTINEL_CID = '-1';

export interface ChangeRuleContext {
  /** The site id the sender's hello named: clients send only their own changes. */
  readonly senderSite: Uint8Array;
  readonly tables: CrrTables;
  /** The largest frame this server may send: every merged change must fit one on its way out. */
  readonly maxFrameBytes: number;
}

/**
 * Where the sender's stream of versions stands on this connection: the last
 * `throughVersion` the server accepted (it starts at the committed version the
 * accept announced, which is where the client resumes), and the newest
 * db_version of any change accepted so far.
 */
export interface SenderStream {
  readonly throughVersion: number;
  readonly lastDbVersion: number;
}

export function streamAfterAccept(committedClientVersion: number): SenderStream {
  return { throughVersion: committedClientVersion, lastDbVersion: committedClientVersion };
}

/** The largest varint the codec writes for a version (2^53 - 1). */
const MAX_VERSION_VARINT_BYTES = varUintSize(Number.MAX_SAFE_INTEGER);
/**
 * The rest of a changes frame that carries one change alone: tag, throughVersion
 * (any version) and a count of 1. A change too large to share a frame travels
 * alone (splitIntoVersionBatches), so this is all it ever has around it.
 */
const LONE_CHANGE_FRAME_HEADER_BYTES = 1 + MAX_VERSION_VARINT_BYTES + 1;

// ---- the rules, one function each -----------------------------------------------

/** own-site: the change carries the sender's own site id. A client relays nobody else's changes. */
export function checkOwnSite(change: Change, context: ChangeRuleContext): string | null {
  const expected = context.senderSite;
  const actual = change.siteId;
  const problem = "the change's site id is not the sender's (a client sends only its own changes)";
  if (actual.byteLength !== expected.byteLength) return problem;
  for (let i = 0; i < expected.byteLength; i++) if (actual[i] !== expected[i]) return problem;
  return null;
}

/**
 * known-table: the table is one the database replicates (a CRR), not an internal
 * or unknown table. Returns the table, or what is wrong.
 */
export function checkKnownTable(change: Change, context: ChangeRuleContext): CrrTable | string {
  return context.tables.get(change.table) ?? `table ${JSON.stringify(change.table)} is not a replicated table of this database`;
}

/** known-column: the cid is the sentinel '-1' or a column of the table outside its primary key. */
export function checkKnownColumn(change: Change, table: CrrTable): string | null {
  if (change.cid === SENTINEL_CID || table.valueColumns.has(change.cid)) return null;
  const isKey = table.keyColumns.some((column) => column.name === change.cid);
  return isKey
    ? `column ${JSON.stringify(change.cid)} is part of ${table.name}'s primary key, which cr-sqlite never reports as a change`
    : `table ${table.name} has no column ${JSON.stringify(change.cid)}`;
}

/**
 * primary-key: the pk is cr-sqlite's packed key in its canonical form, with
 * exactly the table's key columns, none NULL (a CRR's key is NOT NULL), text
 * valid UTF-8, and each value of a class the column can hold: no number in a
 * TEXT column, only integers in an INTEGER PRIMARY KEY.
 */
export function checkPrimaryKey(change: Change, table: CrrTable): string | null {
  const { keyColumns } = table;
  const column: { problem: string | null } = { problem: null };
  const keyProblem = scanPackedKey(change.pk, (type, _offset, start, end, index) => {
    column.problem = keyColumnProblem(change.pk, type, start, end, keyColumns[index]);
    return column.problem;
  });
  if (column.problem !== null) return column.problem;
  if (keyProblem !== null) return `the primary key is not a packed cr-sqlite key: ${keyProblem}`;
  const count = change.pk[0] ?? 0;
  return count === keyColumns.length ? null : `the primary key has ${count} columns, ${table.name}'s has ${keyColumns.length}`;
}

function keyColumnProblem(pk: Uint8Array, type: PackedKeyType, start: number, end: number, keyColumn: CrrKeyColumn | undefined): string | null {
  // A column beyond the table's key: the count check after the scan reports it.
  if (keyColumn === undefined) return null;
  const where = `key column ${keyColumn.name}`;
  if (type === 'null') return `${where} is NULL`;
  if (keyColumn.affinity === 'rowid' && type !== 'integer') return `${where} is an INTEGER PRIMARY KEY, got ${type}`;
  if (keyColumn.affinity === 'text' && (type === 'integer' || type === 'real')) {
    return `${where} is TEXT, which turns every number into text, got ${type}`;
  }
  if (type === 'text') {
    try {
      decodeExactUtf8(pk.subarray(start, end));
    } catch {
      return `${where} is not valid UTF-8 text`;
    }
  }
  return null;
}

/**
 * causal-length: cl is at least 1 and a column value comes only with an odd cl.
 * cr-sqlite counts a row's creates and deletes in its causal length (odd: alive,
 * even: deleted) and drops a row's column clocks when it is deleted, so only the
 * sentinel ever carries an even cl. Given a column value with an even cl,
 * cr-sqlite would delete the row.
 */
export function checkCausalLength(change: Change): string | null {
  if (change.cl < 1) return `cl ${change.cl} is below 1`;
  if (change.cid !== SENTINEL_CID && change.cl % 2 === 0) {
    return `a value of column ${change.cid} with even cl ${change.cl}: only a live row (odd cl) has column values`;
  }
  return null;
}

/**
 * column-version: a sentinel's col_version is its cl (cr-sqlite keeps the causal
 * length as the sentinel's col_version and reports it as both; odd for a create,
 * even for a delete). Any other col_version would become the row's causal length.
 * A column value's col_version is any count from 0: cr-sqlite itself reports 0
 * for the columns of a row it resurrected from a peer's create record, until
 * their values arrive (zero_clocks_on_resurrect), and sends them as its own.
 */
export function checkColumnVersion(change: Change): string | null {
  if (change.cid === SENTINEL_CID && change.colVersion !== change.cl) {
    return `a sentinel's col_version (${change.colVersion}) must equal its cl (${change.cl})`;
  }
  return null;
}

/** sentinel-value: a sentinel (create or delete record) carries no value. */
export function checkSentinelValue(change: Change): string | null {
  return change.cid !== SENTINEL_CID || change.val === null ? null : 'a sentinel (cid -1) carries a value';
}

/**
 * deliverable-size: the change, as the server will send it to other clients,
 * fits in one of the server's frames. On its way out it keeps everything but
 * its db_version (the server's own, up to 2^53 - 1) and, after a later
 * resurrect, its cl; both are counted at their largest, and it may travel
 * alone in a frame.
 */
export function checkDeliverableSize(change: Change, context: ChangeRuleContext): string | null {
  // Most changes are far below the limit: a bound that needs no UTF-8 length decides for them.
  if (roughWireSizeBound(change) + LONE_CHANGE_FRAME_HEADER_BYTES <= context.maxFrameBytes) return null;
  const outgoing =
    changeWireSize(change) - varUintSize(change.dbVersion) - varUintSize(change.cl) + 2 * MAX_VERSION_VARINT_BYTES;
  const frame = outgoing + LONE_CHANGE_FRAME_HEADER_BYTES;
  return frame <= context.maxFrameBytes
    ? null
    : `the change would take a ${frame}-byte frame on its way to other clients, over this server's limit of ${context.maxFrameBytes}`;
}

/** At least changeWireSize with every varint at 10 bytes and 3 UTF-8 bytes per UTF-16 unit. */
function roughWireSizeBound(change: Change): number {
  const { val } = change;
  const valBytes = typeof val === 'string' ? 3 * val.length : val instanceof Uint8Array ? val.byteLength : 10;
  return 1 + 10 + 3 * change.table.length + 10 + change.pk.byteLength + 10 + 3 * change.cid.length + 1 + 10 + valBytes + 16 + 4 * 10;
}

/**
 * version-order: db_versions never go back, within a frame or across frames:
 * each change's version is at least the previous change's, and above the last
 * `throughVersion` accepted on this connection (a version the client has
 * declared complete does not come again until it reconnects).
 */
export function checkVersionOrder(change: Change, completedThrough: number, previousDbVersion: number): string | null {
  if (change.dbVersion <= completedThrough) {
    return `version ${change.dbVersion} is not above ${completedThrough}, through which the client's versions were already complete`;
  }
  if (change.dbVersion < previousDbVersion) return `version ${change.dbVersion} comes after version ${previousDbVersion}`;
  return null;
}

/**
 * through-version: the frame's throughVersion never goes back, and covers every
 * change of the frame except those of its newest version. Those may lie above it
 * only as a part of a version too large for one frame: splitIntoVersionBatches
 * gives every part but the last the throughVersion of the version before it (so
 * a reconnect between parts sends the whole version again), which is at least
 * every earlier version in the frame.
 */
export function checkThroughVersion(message: ChangesMessage, stream: SenderStream): string | null {
  if (message.throughVersion < stream.throughVersion) {
    return `throughVersion ${message.throughVersion} is below ${stream.throughVersion}, accepted before`;
  }
  const newest = message.changes[message.changes.length - 1]?.dbVersion ?? 0;
  for (const change of message.changes) {
    if (change.dbVersion > message.throughVersion && change.dbVersion !== newest) {
      return `version ${change.dbVersion} is above throughVersion ${message.throughVersion} but is not the frame's last version (${newest}), the only one that may be a part`;
    }
  }
  return null;
}

// ---- the frame ----------------------------------------------------------------

/**
 * Checks a whole changes frame against every rule, and returns where the
 * sender's stream stands once it is merged. Throws an InvalidChangeError naming
 * the first rule broken; the caller then merges none of the frame.
 */
export function checkChangesFrame(message: ChangesMessage, context: ChangeRuleContext, stream: SenderStream): SenderStream {
  let lastDbVersion = stream.lastDbVersion;
  const { changes } = message;
  for (let index = 0; index < changes.length; index++) {
    const change = changes[index] as Change;
    let problem = checkOwnSite(change, context);
    if (problem !== null) refuse('own-site', index, change, problem);
    const table = checkKnownTable(change, context);
    if (typeof table === 'string') refuse('known-table', index, change, table);
    if ((problem = checkKnownColumn(change, table)) !== null) refuse('known-column', index, change, problem);
    if ((problem = checkPrimaryKey(change, table)) !== null) refuse('primary-key', index, change, problem);
    if ((problem = checkCausalLength(change)) !== null) refuse('causal-length', index, change, problem);
    if ((problem = checkColumnVersion(change)) !== null) refuse('column-version', index, change, problem);
    if ((problem = checkSentinelValue(change)) !== null) refuse('sentinel-value', index, change, problem);
    if ((problem = checkDeliverableSize(change, context)) !== null) refuse('deliverable-size', index, change, problem);
    if ((problem = checkVersionOrder(change, stream.throughVersion, lastDbVersion)) !== null) refuse('version-order', index, change, problem);
    lastDbVersion = change.dbVersion;
  }
  const through = checkThroughVersion(message, stream);
  if (through !== null) throw new InvalidChangeError('through-version', null, through);
  return { throughVersion: message.throughVersion, lastDbVersion };
}

function refuse(rule: ChangeRule, index: number, change: Change, problem: string): never {
  throw new InvalidChangeError(rule, index, `change ${index} (${change.table}.${change.cid}, version ${change.dbVersion}): ${problem}`);
}
