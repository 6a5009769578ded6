import type { ServerDatabase } from './server-database.ts';
import type { HandshakeRefusal } from './handshake.ts';
import { siteIdFromBytes } from '../protocol/ids.ts';
// A synchronous SHA-256 that runs wherever the core does (Node, a worker, the
// in-browser mock server, where Web Crypto is async or absent outside secure contexts).
import { sha256 } from '@noble/hashes/sha2.js';

/**
 * A site id needs its secret. Site ids are not secret: every change carries
 * its maker's, so every client of a database learns them all. Without a
 * secret, a client could say hello under another's site id and send an empty
 * `changes` with a huge `throughVersion`: the server would record that version
 * as committed for the victim, whose pending changes would then be counted as
 * saved and never sent.
 *
 * The first accepted hello for a site id registers the SHA-256 of its secret in
 * the database's own metadata (`greenlight_site_secrets`); every later hello for
 * that site id must bring the same secret. Only the hash is stored, so a copy
 * of the server's files does not hand out the secrets, and hashes are compared
 * in constant time.
 *
 * A site id the server knew before secrets existed (a database older than
 * protocol 2) is claimed by the first hello that brings one, which should be
 * the client itself: it reconnects as soon as it is upgraded.
 */

/** Checks the hello's secret against the registered one, registering it for a new site id. */
export function claimSite(database: ServerDatabase, site: Uint8Array, secret: Uint8Array): HandshakeRefusal | null {
  const secretHash = sha256(secret);
  const registered = database.siteSecretHash(site);
  if (registered === null) {
    database.registerSiteSecret(site, secretHash);
    return null;
  }
  if (sameBytesConstantTime(registered, secretHash)) return null;
  return {
    reason: 'site-secret-mismatch',
    message: `site ${siteIdFromBytes(site)} is registered on database ${database.name} with another secret`,
  };
}

/** Compares every byte whatever the first difference, so timing tells nothing about where it is. */
export function sameBytesConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.byteLength ^ b.byteLength;
  const length = Math.max(a.byteLength, b.byteLength);
  for (let i = 0; i < length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}
