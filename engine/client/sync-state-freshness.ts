/**
 * G1 bookkeeping: the server versions the server has announced (in accept,
 * caught-up and heartbeats) that this client has not applied yet, each with the
 * time it was first heard of.
 *
 * Kept compact: versions are strictly increasing in time order and all above the
 * applied version. A later announcement of a version no higher than an earlier
 * one adds nothing (the earlier one falls due first and is satisfied no later),
 * and applied announcements are dropped.
 */
export interface Announcement {
  readonly version: number;
  readonly at: number;
}

export type FreshnessLedger = readonly Announcement[];

export const EMPTY_FRESHNESS: FreshnessLedger = [];

export function recordAnnouncement(
  ledger: FreshnessLedger,
  version: number,
  at: number,
  appliedVersion: number,
): FreshnessLedger {
  if (version <= appliedVersion) return ledger;
  const last = ledger[ledger.length - 1];
  if (last !== undefined && version <= last.version) return ledger;
  return [...ledger, { version, at }];
}

export function settleAnnouncements(ledger: FreshnessLedger, appliedVersion: number): FreshnessLedger {
  let drop = 0;
  while (drop < ledger.length && (ledger[drop]?.version ?? Infinity) <= appliedVersion) drop += 1;
  return drop === 0 ? ledger : ledger.slice(drop);
}

/** G1 at `now`: nothing announced more than `freshnessMs` ago is still unapplied. */
export function serverChangesAreLocal(ledger: FreshnessLedger, now: number, freshnessMs: number): boolean {
  const oldest = ledger[0];
  return oldest === undefined || now - oldest.at <= freshnessMs;
}
