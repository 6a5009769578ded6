import type { Change, SqlValue } from '../protocol/messages.ts';
import { realFromJson, type JsonReal } from '../protocol/sql-value-json.ts';
import { realValue } from '../protocol/sql-value.ts';
import type { ExportedChange, UnsyncedChangesExport } from './sync-client-api.ts';
import { UnsyncedChangesExportError } from './unsynced-changes-export-error.ts';

/** A checked export, with its changes decoded back into bytes and SQL values. */
export interface ParsedUnsyncedChanges {
  readonly document: UnsyncedChangesExport;
  readonly changes: readonly Change[];
}

const SITE_ID_HEX = /^[0-9a-f]{32}$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const INTEGER_TEXT = /^-?(?:0|[1-9][0-9]*)$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Checks a value (typically `JSON.parse` of a file a user saved) against the
 * export format, throwing an `UnsyncedChangesExportError` that says what is wrong
 * and where. Nothing about the database is checked here.
 */
export function parseUnsyncedChangesExport(value: unknown): ParsedUnsyncedChanges {
  if (!isRecord(value) || value['format'] !== 'greenlight-unsynced-changes') {
    throw new UnsyncedChangesExportError('wrong-format', 'format', 'not a Greenlight unsynced-changes export');
  }
  if (value['formatVersion'] !== 1) {
    throw new UnsyncedChangesExportError('unsupported-version', 'formatVersion', `version ${String(value['formatVersion'])} is not readable here (only 1)`);
  }
  const database = text(value['database'], 'database');
  const clientSiteId = siteIdHex(value['clientSiteId'], 'clientSiteId');
  const exportedAt = text(value['exportedAt'], 'exportedAt');
  const list = value['changes'];
  if (!Array.isArray(list)) throw new UnsyncedChangesExportError('bad-value', 'changes', 'expected an array');
  const exported: ExportedChange[] = [];
  const changes: Change[] = [];
  list.forEach((item: unknown, index) => {
    const { change, decoded } = parseChange(item, `changes[${index}]`);
    exported.push(change);
    changes.push(decoded);
  });
  return {
    document: { format: 'greenlight-unsynced-changes', formatVersion: 1, database, clientSiteId, exportedAt, changes: exported },
    changes,
  };
}

function parseChange(item: unknown, path: string): { change: ExportedChange; decoded: Change } {
  if (!isRecord(item)) throw new UnsyncedChangesExportError('bad-value', path, 'expected a change object');
  const change: ExportedChange = {
    table: text(item['table'], `${path}.table`),
    pk: text(item['pk'], `${path}.pk`),
    cid: text(item['cid'], `${path}.cid`),
    val: exportedValue(item['val'], `${path}.val`),
    colVersion: count(item['colVersion'], `${path}.colVersion`),
    dbVersion: count(item['dbVersion'], `${path}.dbVersion`),
    siteId: siteIdHex(item['siteId'], `${path}.siteId`),
    cl: count(item['cl'], `${path}.cl`),
    seq: count(item['seq'], `${path}.seq`),
  };
  const decoded: Change = {
    table: change.table,
    pk: fromBase64(change.pk, `${path}.pk`),
    cid: change.cid,
    val: sqlValue(change.val, `${path}.val`),
    colVersion: change.colVersion,
    dbVersion: change.dbVersion,
    siteId: fromHex(change.siteId),
    cl: change.cl,
    seq: change.seq,
  };
  return { change, decoded };
}

function exportedValue(value: unknown, path: string): ExportedChange['val'] {
  if (value === null) return null;
  if (!isRecord(value)) throw new UnsyncedChangesExportError('bad-value', path, 'expected null or a tagged value');
  const keys = Object.keys(value);
  const [tag] = keys;
  if (keys.length !== 1 || tag === undefined) {
    throw new UnsyncedChangesExportError('bad-value', path, 'expected exactly one of integer, real, text, blob');
  }
  const inner = value[tag];
  switch (tag) {
    case 'integer':
      return { integer: text(inner, `${path}.integer`) };
    case 'real':
      if (realFromJson(inner) === undefined) {
        throw new UnsyncedChangesExportError('bad-value', `${path}.real`, 'expected a finite number or one of "NaN", "Infinity", "-Infinity", "-0"');
      }
      return { real: inner as JsonReal };
    case 'text':
      return { text: text(inner, `${path}.text`) };
    case 'blob':
      return { blob: text(inner, `${path}.blob`) };
    default:
      throw new UnsyncedChangesExportError('bad-value', path, `unknown value tag ${JSON.stringify(tag)}`);
  }
}

function sqlValue(value: ExportedChange['val'], path: string): SqlValue {
  if (value === null) return null;
  if ('integer' in value) {
    if (!INTEGER_TEXT.test(value.integer)) throw new UnsyncedChangesExportError('bad-value', `${path}.integer`, 'expected decimal digits');
    const big = BigInt(value.integer);
    if (big < INT64_MIN || big > INT64_MAX) throw new UnsyncedChangesExportError('bad-value', `${path}.integer`, 'beyond a 64-bit integer');
    const small = Number(big);
    return Number.isSafeInteger(small) ? small : big;
  }
  if ('real' in value) return realValue(realFromJson(value.real) ?? Number.NaN);
  if ('text' in value) return value.text;
  return fromBase64(value.blob, `${path}.blob`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new UnsyncedChangesExportError('bad-value', path, 'expected a string');
  return value;
}

function count(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new UnsyncedChangesExportError('bad-value', path, 'expected a non-negative integer');
  }
  return value;
}

function siteIdHex(value: unknown, path: string): string {
  if (typeof value !== 'string' || !SITE_ID_HEX.test(value)) throw new UnsyncedChangesExportError('bad-value', path, 'expected 32 hex digits');
  return value;
}

function fromBase64(value: string, path: string): Uint8Array {
  if (!BASE64.test(value)) throw new UnsyncedChangesExportError('bad-base64', path, 'not valid base64');
  const binary = atob(value);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}
