import { GreenlightError } from '../errors.ts';

declare const siteIdBrand: unique symbol;
declare const databaseNameBrand: unique symbol;

/** A cr-sqlite site id: 16 bytes, written as 32 lowercase hex digits. */
export type SiteId = string & { readonly [siteIdBrand]: true };

/** A validated database name: safe as a file name and in a URL path. */
export type DatabaseName = string & { readonly [databaseNameBrand]: true };

export const SITE_ID_BYTES = 16;
export const MAX_DATABASE_NAME_LENGTH = 64;

const SITE_ID_PATTERN = /^[0-9a-f]{32}$/;
// Starts with a letter or digit so that ".", ".." and hidden files are impossible;
// no slash or backslash, so it can never leave the data folder.
const DATABASE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export function isSiteId(value: string): value is SiteId {
  return SITE_ID_PATTERN.test(value);
}

export function siteIdFromBytes(bytes: Uint8Array): SiteId {
  if (bytes.length !== SITE_ID_BYTES) {
    throw new GreenlightError('malformed-frame', 'protocol', `a site id has ${SITE_ID_BYTES} bytes, got ${bytes.length}`);
  }
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex as SiteId;
}

export function siteIdToBytes(id: SiteId): Uint8Array {
  const bytes = new Uint8Array(SITE_ID_BYTES);
  for (let i = 0; i < SITE_ID_BYTES; i++) bytes[i] = Number.parseInt(id.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export function parseSiteId(value: string): SiteId {
  const lower = value.toLowerCase();
  if (!isSiteId(lower)) {
    throw new GreenlightError('malformed-frame', 'protocol', `not a site id: ${JSON.stringify(value.slice(0, 40))}`);
  }
  return lower;
}

export function isDatabaseName(value: string): value is DatabaseName {
  return value.length <= MAX_DATABASE_NAME_LENGTH && DATABASE_NAME_PATTERN.test(value);
}

/** Validates a database name, refusing anything that could escape a data folder. */
export function parseDatabaseName(value: string): DatabaseName {
  if (!isDatabaseName(value)) {
    const shown = JSON.stringify(value.slice(0, MAX_DATABASE_NAME_LENGTH + 1));
    throw new GreenlightError(
      'invalid-database-name',
      'protocol',
      `invalid database name ${shown}: use 1 to ${MAX_DATABASE_NAME_LENGTH} letters, digits, '-' or '_', starting with a letter or digit`,
    );
  }
  return value;
}
