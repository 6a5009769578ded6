import type { SyncStatusName } from '../engine/client/sync-status.ts';
import { reasonLabelsEn, type ReasonLabels } from './reason-labels.ts';

export interface RemoteDbBadgeLabels {
  /** BCP 47 tag for numbers and relative times. */
  readonly locale: string;
  readonly name: string;
  /** The badge text when changes wait for the server's acknowledgement. */
  readonly nameWithPending: (name: string, pendingChanges: string) => string;
  /** Short, shown beside the light and announced. */
  readonly status: Readonly<Record<SyncStatusName, string>>;
  /** One sentence per status for the details popover. */
  readonly statusMeaning: Readonly<Record<SyncStatusName, string>>;
  readonly announcement: (name: string, status: string) => string;
  readonly reasons: ReasonLabels;
  readonly detailsTitle: string;
  readonly reason: string;
  readonly since: string;
  readonly lastSynced: string;
  readonly never: string;
  readonly pending: string;
  readonly pendingValue: (changes: string, rows: string) => string;
  readonly nothingPending: string;
  readonly progress: string;
  readonly attempt: string;
  readonly nextAttempt: string;
  readonly diagnostics: string;
  readonly connectAttempts: string;
  readonly recentFailures: string;
  readonly lastHeartbeat: string;
  readonly lastAck: string;
  readonly serverVersion: string;
  readonly appliedServerVersion: string;
  readonly lastError: string;
  readonly recover: string;
}

export const remoteDbBadgeLabelsEn: RemoteDbBadgeLabels = {
  locale: 'en',
  name: 'Remote DB',
  nameWithPending: (name, pendingChanges) => `${name} (${pendingChanges} pending)`,
  status: {
    idle: 'not started',
    connecting: 'connecting',
    'catching-up': 'catching up',
    waiting: 'waiting for server',
    synced: 'synced',
    syncing: 'saving',
    disconnected: 'disconnected',
    stuck: 'stuck',
    incompatible: 'incompatible',
  },
  statusMeaning: {
    idle: 'Sync has not started yet.',
    connecting: 'Connecting to the server.',
    'catching-up': 'Downloading changes made elsewhere while this device was away.',
    waiting: 'Connected, but waiting to hear from the server. Nothing is downloading; your changes are kept on this device.',
    synced: 'Everything from the server is here, and everything you change is saved on the server.',
    syncing: 'Up to date. Your latest changes are on their way to the server.',
    disconnected: 'Not connected. Your changes are kept on this device and sent when the connection returns.',
    stuck: 'Connected, but sync is not making progress.',
    incompatible: 'This device can no longer sync with the server.',
  },
  announcement: (name, status) => `${name}: ${status}`,
  reasons: reasonLabelsEn,
  detailsTitle: 'Sync details',
  reason: 'Why',
  since: 'Since',
  lastSynced: 'Last synced',
  never: 'never',
  pending: 'Waiting for the server',
  pendingValue: (changes, rows) => `${changes} changes in ${rows} rows`,
  nothingPending: 'nothing',
  progress: 'Downloaded',
  attempt: 'Attempt',
  nextAttempt: 'Next attempt',
  diagnostics: 'Diagnostics',
  connectAttempts: 'Connection attempts',
  recentFailures: 'Recent failures',
  lastHeartbeat: 'Last heartbeat',
  lastAck: 'Last save confirmed',
  serverVersion: 'Server version',
  appliedServerVersion: 'Applied here',
  lastError: 'Last error',
  recover: 'Nuke and Resync…',
};
