import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDatabaseName } from '../protocol/ids.ts';
import { SITE_SECRET_BYTES } from '../protocol/messages.ts';
import { openMemoryDatabase } from '../sqlite/open-memory-database.ts';
import { TEST_SCHEMA } from '../test-support/test-client-database.ts';
import { ServerDatabase } from './server-database.ts';
import { sha256 } from '@noble/hashes/sha2.js';
import { claimSite, sameBytesConstantTime } from './site-secrets.ts';

const SITE = new Uint8Array(16).fill(4);
const secret = (fill: number): Uint8Array => new Uint8Array(SITE_SECRET_BYTES).fill(fill);

let database: ServerDatabase;

beforeEach(async () => {
  database = ServerDatabase.attach(parseDatabaseName('shop'), await openMemoryDatabase(), TEST_SCHEMA);
});

afterEach(() => database.close());

describe('claimSite', () => {
  it('registers the hash of a new site id’s secret, lets the same secret in again and refuses another', () => {
    expect(claimSite(database, SITE, secret(1))).toBeNull();
    expect(database.siteSecretHash(SITE)).toEqual(sha256(secret(1)));
    expect(claimSite(database, SITE, secret(1))).toBeNull();
    expect(claimSite(database, SITE, secret(2))).toMatchObject({ reason: 'site-secret-mismatch' });
    expect(database.siteSecretHash(SITE)).toEqual(sha256(secret(1)));
    expect(claimSite(database, new Uint8Array(16).fill(5), secret(2))).toBeNull();
  });
});

describe('sameBytesConstantTime', () => {
  it('is true only for equal bytes of equal length', () => {
    expect(sameBytesConstantTime(secret(3), secret(3))).toBe(true);
    expect(sameBytesConstantTime(secret(3), secret(4))).toBe(false);
    expect(sameBytesConstantTime(secret(3), secret(3).subarray(1))).toBe(false);
    expect(sameBytesConstantTime(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});
