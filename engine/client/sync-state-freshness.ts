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
/**
 * G1's safety margin, as a fraction of `freshnessMs`: green ends this much
 * before the promise's deadline instead of on it. The client can only measure
 * from when a frame arrived, but the server's version was true when it was sent,
 * one link latency earlier; and a view told by a timer hears of the end as late
 * as that timer fires on a busy thread (`getSnapshot` itself is exact whenever
 * it is read). 10% is 200 ms at the default freshnessMs of 2 s, and 100 ms at the
 * integration tests' 1 s: more than the timer lateness seen on a loaded 2-core
 * machine, plus a loopback or LAN latency.
 */
export const G1_SAFETY_MARGIN = 0.1;

/** How long after hearing the server's version G1 is still claimed. */
export function g1WindowMs(freshnessMs: number): number {
  return freshnessMs * (1 - G1_SAFETY_MARGIN);
}

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

/** G1 at `now`: nothing announced more than `windowMs` (see `g1WindowMs`) ago is still unapplied. */
export function serverChangesAreLocal(ledger: FreshnessLedger, now: number, windowMs: number): boolean {
  const oldest = ledger[0];
  return oldest === undefined || now - oldest.at <= windowMs;
}
