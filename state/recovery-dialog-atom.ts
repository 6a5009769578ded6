import { atom } from 'jotai';
import type { IncompatibleReason, StuckReason, SyncStatus } from '../engine/client/sync-status.ts';

/** Why a user is offered Nuke and Resync. Kept after the status moves on, so the dialog can still explain itself. */
export type RecoveryCause =
  | { readonly status: 'incompatible'; readonly reason: IncompatibleReason }
  | { readonly status: 'stuck'; readonly reason: StuckReason };

export interface RecoveryDialogState {
  readonly open: boolean;
  readonly cause: RecoveryCause | null;
}

/**
 * Shared by the badge (which offers recovery on request) and the Nuke and Resync
 * dialog (which opens by itself for an incompatible database).
 */
export const recoveryDialogAtom = atom<RecoveryDialogState>({ open: false, cause: null });
recoveryDialogAtom.debugLabel = 'greenlight/recoveryDialog';

/** The cause a status gives for recovery, or null when it needs none. */
export function recoveryCauseOf(status: SyncStatus): RecoveryCause | null {
  if (status.status === 'incompatible') return { status: 'incompatible', reason: status.reason };
  if (status.status === 'stuck') return { status: 'stuck', reason: status.reason };
  return null;
}
