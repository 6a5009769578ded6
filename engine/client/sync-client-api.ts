import type { JsonReal } from '../protocol/sql-value-json.ts';
import type { SyncDiagnostics, SyncProgress, SyncStatus } from './sync-status.ts';

/** Everything a view needs at one instant. Immutable: a new object on every change. */
export interface SyncSnapshot {
  readonly status: SyncStatus;
  /** Progress of the catch-up or of a large live burst; null when none is running. */
  readonly progress: SyncProgress | null;
  readonly diagnostics: SyncDiagnostics;
}

/** A local change the server never acknowledged, in a JSON-safe form. */
export interface ExportedChange {
  readonly table: string;
  /** cr-sqlite's packed primary key, base64. */
  readonly pk: string;
  readonly cid: string;
  /**
   * Tagged with its storage class, so that integers beyond 2^53, integral REALs
   * and blobs survive JSON; a REAL that JSON numbers cannot hold is a string.
   */
  readonly val:
    | null
    | { readonly integer: string }
    | { readonly real: JsonReal }
    | { readonly text: string }
    | { readonly blob: string };
  readonly colVersion: number;
  readonly dbVersion: number;
  readonly siteId: string;
  readonly cl: number;
  readonly seq: number;
}

/** What Nuke and Resync offers to save before it deletes anything. */
export interface UnsyncedChangesExport {
  readonly format: 'greenlight-unsynced-changes';
  readonly formatVersion: 1;
  readonly database: string;
  readonly clientSiteId: string;
  readonly exportedAt: string;
  readonly changes: readonly ExportedChange[];
}

/**
 * The face of a sync client that state and components rely on. The engine's
 * `SyncClient` implements it; tests and stories may hand in any implementation.
 */
export interface SyncClientApi {
  getSnapshot(): SyncSnapshot;
  /** Called after every snapshot change; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
  start(): void;
  stop(): Promise<void>;
  /** The unacknowledged local changes, for a user to keep before a nuke. */
  exportUnsyncedChanges(): Promise<UnsyncedChangesExport>;
  /**
   * Deletes and re-creates the local database, then downloads everything again.
   * Resolves once the download has begun (the status shows it); rejects when the
   * database could not be reset, leaving `stuck: apply-failed` until a retry.
   */
  nukeAndResync(): Promise<void>;
}
