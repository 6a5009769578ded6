import { selectAtom } from 'jotai/utils';
import type { PendingCount } from '../engine/client/sync-status.ts';
import { structurallyEqual } from './structurally-equal.ts';
import { syncStatusAtom } from './sync-status-atom.ts';

/** Local changes the server has not acknowledged as committed (G3). */
export const pendingCountAtom = selectAtom(syncStatusAtom, (status): PendingCount => status.pending, structurallyEqual);
pendingCountAtom.debugLabel = 'greenlight/pendingCount';
