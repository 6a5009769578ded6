/**
 * G2 bookkeeping for local changes: when each unacknowledged send left on the
 * current connection, and since when local changes have existed that were not
 * sent at all. Only the current connection counts: a send on a closed socket can
 * never be acknowledged, and the loop resends after the next handshake, so a
 * reconnect starts the waiting clocks again instead of declaring acks stalled
 * the moment it is accepted.
 */
export interface LocalSend {
  readonly throughVersion: number;
  readonly at: number;
}

export interface AckLedger {
  /** Unacknowledged sends in the order sent (so by increasing throughVersion). */
  readonly sends: readonly LocalSend[];
  /** Pending local changes exist that no send on this connection covers yet. */
  readonly unsentSince: number | null;
}

export const EMPTY_ACKS: AckLedger = { sends: [], unsentSince: null };

/** A fresh ledger for a just-accepted connection that already has `pendingChanges` to send. */
export function acksForNewConnection(pendingChanges: number, at: number): AckLedger {
  return pendingChanges > 0 ? { sends: [], unsentSince: at } : EMPTY_ACKS;
}

export function recordSend(ledger: AckLedger, throughVersion: number, at: number, ackedVersion: number): AckLedger {
  const last = ledger.sends[ledger.sends.length - 1];
  const covered = throughVersion <= ackedVersion || (last !== undefined && throughVersion <= last.throughVersion);
  if (covered && ledger.unsentSince === null) return ledger;
  return {
    sends: covered ? ledger.sends : [...ledger.sends, { throughVersion, at }],
    unsentSince: null,
  };
}

/**
 * The server answers every send, in order, once it has committed it. A send an
 * ack covers is done; the sends still waiting wait from now on, since acks are
 * flowing: a version too large for one frame goes in parts acknowledged only
 * through the version before it, and each of those acks proves its part saved.
 */
export function recordAck(ledger: AckLedger, committedVersion: number, at: number): AckLedger {
  const remaining = ledger.sends.filter((send) => send.throughVersion > committedVersion);
  if (remaining.length === 0 && ledger.sends.length === 0) return ledger;
  return { sends: remaining.map((send) => (send.at < at ? { ...send, at } : send)), unsentSince: ledger.unsentSince };
}

/**
 * The pending count changed. Growth means a new local commit the loop has not sent
 * yet; zero means the database holds nothing unacknowledged, so nothing waits.
 */
export function recordPendingChange(ledger: AckLedger, before: number, after: number, at: number): AckLedger {
  if (after === 0) return ledger === EMPTY_ACKS ? ledger : EMPTY_ACKS;
  if (after > before && ledger.unsentSince === null) return { sends: ledger.sends, unsentSince: at };
  return ledger;
}

export function oldestWaitingSince(ledger: AckLedger): number | null {
  const firstSend = ledger.sends[0]?.at ?? null;
  if (firstSend === null) return ledger.unsentSince;
  if (ledger.unsentSince === null) return firstSend;
  return Math.min(firstSend, ledger.unsentSince);
}
