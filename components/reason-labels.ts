import type { DisconnectReason, IncompatibleReason, StuckReason, WaitingFor } from '../engine/client/sync-status.ts';

/** Each typed reason in plain words, for people who have never heard of a handshake. */
export interface ReasonLabels {
  /** Short, shown on the badge itself. */
  readonly disconnect: Readonly<Record<DisconnectReason, string>>;
  readonly stuck: Readonly<Record<StuckReason, string>>;
  /** What a `waiting` light waits for. */
  readonly waiting: Readonly<Record<WaitingFor, string>>;
  readonly incompatible: Readonly<Record<IncompatibleReason, string>>;
}

export const reasonLabelsEn: ReasonLabels = {
  disconnect: {
    offline: 'offline',
    'server-unreachable': 'server unreachable',
    closed: 'connection closed',
  },
  stuck: {
    'rapid-failures': 'The connection to the server keeps dropping right after it opens.',
    'acks-stalled': 'The server has stopped confirming that it saved your changes.',
    'heartbeat-lost': 'The server stopped answering, although the connection still looks open.',
    'apply-failed': 'Changes from the server could not be saved on this device.',
    'server-misbehaved': 'The server sent something that cannot be true, so this device stopped trusting the connection.',
  },
  waiting: {
    'server-version': 'The server has gone quiet for a moment: changes made elsewhere since it last spoke may not be here yet.',
    'server-changes': 'The server announced changes that have not arrived yet.',
  },
  incompatible: {
    'schema-mismatch': 'This device stores the data in a different layout than the server, so they cannot exchange changes.',
    'server-rebuilt': 'The server’s database was rebuilt since this device last synced, so the copy here no longer matches it.',
    'protocol-version': 'This app and the server speak different versions of the sync protocol.',
    'unknown-database': 'The server does not know this database.',
    'forbidden-database': 'The server does not allow this device to sync this database.',
    'invalid-database-name': 'The server does not accept this database’s name.',
    'site-secret-mismatch': 'The server knows this device’s identity with a different key, so it refuses changes made under it.',
    'acknowledged-unwritten': 'The server says it already saved changes from this device that are not here, for example because the data here was restored from an older copy.',
  },
};
