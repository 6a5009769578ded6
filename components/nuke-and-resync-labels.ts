import { reasonLabelsEn, type ReasonLabels } from './reason-labels.ts';
import { syncProgressLabelsEn, type SyncProgressLabels } from './sync-progress-labels.ts';

export interface NukeAndResyncLabels {
  /** BCP 47 tag for numbers. */
  readonly locale: string;
  readonly titleIncompatible: string;
  readonly titleStuck: string;
  readonly reasons: ReasonLabels;
  readonly remedy: string;
  readonly nothingToLose: string;
  readonly changesToLose: (changes: string, rows: string) => string;
  readonly exportChanges: string;
  readonly exporting: string;
  readonly exported: string;
  readonly exportFailed: (message: string) => string;
  readonly nuke: string;
  readonly notNow: string;
  readonly confirmTitle: string;
  readonly confirmNothingToLose: string;
  readonly confirmChangesToLose: (changes: string) => string;
  readonly confirm: string;
  readonly back: string;
  readonly resyncingTitle: string;
  readonly resyncingDescription: string;
  readonly progress: SyncProgressLabels;
  readonly failedTitle: string;
  readonly failed: (message: string) => string;
  readonly retry: string;
  readonly close: string;
}

export const nukeAndResyncLabelsEn: NukeAndResyncLabels = {
  locale: 'en',
  titleIncompatible: 'This device can no longer sync',
  titleStuck: 'Sync is stuck',
  reasons: reasonLabelsEn,
  remedy: 'Nuke and Resync deletes this device’s copy of the database and downloads a fresh one from the server.',
  nothingToLose: 'All your changes have reached the server, so nothing will be lost.',
  changesToLose: (changes, rows) =>
    `${changes} local changes (in ${rows} rows) have not reached the server. They will be lost unless you export them first.`,
  exportChanges: 'Export unsynced changes',
  exporting: 'Exporting…',
  exported: 'The unsynced changes were saved as a file.',
  exportFailed: (message) => `The changes could not be exported: ${message}`,
  nuke: 'Nuke and Resync…',
  notNow: 'Not now',
  confirmTitle: 'Delete this device’s copy?',
  confirmNothingToLose: 'The local database will be deleted and downloaded again. This cannot be undone.',
  confirmChangesToLose: (changes) =>
    `The local database will be deleted and downloaded again. ${changes} unsynced changes will be lost. This cannot be undone.`,
  confirm: 'Delete and download again',
  back: 'Back',
  resyncingTitle: 'Downloading a fresh copy',
  resyncingDescription: 'The local database was deleted and is being downloaded again. Please keep this tab open.',
  progress: syncProgressLabelsEn,
  failedTitle: 'Nuke and Resync failed',
  failed: (message) => `The local database could not be replaced: ${message}`,
  retry: 'Try again',
  close: 'Close',
};
