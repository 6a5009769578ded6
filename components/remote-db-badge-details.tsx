import type { ReactNode } from 'react';
import type { SyncDiagnostics, SyncStatus } from '../engine/client/sync-status.ts';
import { progressPercent } from '../state/progress-percent.ts';
import { formatCount, formatRelativeTime } from './human-units.ts';
import type { RemoteDbBadgeLabels } from './remote-db-badge-labels.ts';

export interface RemoteDbBadgeDetailsProps {
  readonly status: SyncStatus;
  readonly diagnostics?: SyncDiagnostics | undefined;
  readonly now: number;
  readonly labels: RemoteDbBadgeLabels;
  /** Offered for stuck and incompatible; left out, no recovery button is shown. */
  readonly onRecover?: (() => void) | undefined;
}

/** What the badge's popover explains: the status in words, its reason, and the numbers behind it. */
export function RemoteDbBadgeDetails({ status, diagnostics, now, labels, onRecover }: RemoteDbBadgeDetailsProps) {
  const count = (value: number) => formatCount(value, labels.locale);
  const ago = (at: number | null) => (at === null ? labels.never : formatRelativeTime(at, now, labels.locale));
  const rows: [string, ReactNode][] = [];

  if (status.status === 'disconnected') rows.push([labels.reason, labels.reasons.disconnect[status.reason]]);
  if (status.status === 'stuck') rows.push([labels.reason, labels.reasons.stuck[status.reason]]);
  if (status.status === 'waiting') rows.push([labels.reason, labels.reasons.waiting[status.waitingFor]]);
  if (status.status === 'incompatible') rows.push([labels.reason, labels.reasons.incompatible[status.reason]]);
  if (status.status === 'disconnected' || status.status === 'stuck' || status.status === 'incompatible' || status.status === 'waiting') {
    rows.push([labels.since, ago(status.since)]);
  }
  if (status.status === 'connecting') {
    rows.push([labels.attempt, count(status.attempt)]);
    if (status.nextRetryAt !== null) rows.push([labels.nextAttempt, ago(status.nextRetryAt)]);
  }
  if (status.status === 'catching-up') rows.push([labels.progress, `${count(progressPercent(status.progress))}%`]);
  const lastSyncedAt =
    status.status === 'synced' || status.status === 'syncing' ? status.lastSyncedAt : (diagnostics?.lastSyncedAt ?? null);
  rows.push([labels.lastSynced, ago(lastSyncedAt)]);
  rows.push([
    labels.pending,
    status.pending.changes === 0
      ? labels.nothingPending
      : labels.pendingValue(count(status.pending.changes), count(status.pending.rows)),
  ]);

  const canRecover = onRecover !== undefined && (status.status === 'stuck' || status.status === 'incompatible');
  return (
    <div className="greenlight-details" data-status={status.status}>
      <p className="greenlight-details__title">{labels.detailsTitle}</p>
      <p className="greenlight-details__meaning">{labels.statusMeaning[status.status]}</p>
      <DefinitionList rows={rows} />
      {diagnostics !== undefined && (
        <>
          <p className="greenlight-details__subtitle">{labels.diagnostics}</p>
          <DefinitionList
            rows={[
              [labels.connectAttempts, count(diagnostics.connectAttempts)],
              [labels.recentFailures, count(diagnostics.recentFailures)],
              [labels.lastHeartbeat, ago(diagnostics.lastHeartbeatAt)],
              [labels.lastAck, ago(diagnostics.lastAckAt)],
              [labels.serverVersion, diagnostics.serverVersion === null ? '–' : count(diagnostics.serverVersion)],
              [labels.appliedServerVersion, count(diagnostics.appliedServerVersion)],
              ...(diagnostics.lastError === null
                ? []
                : [[labels.lastError, diagnostics.lastError.message] satisfies [string, ReactNode]]),
            ]}
          />
        </>
      )}
      {canRecover && (
        <button type="button" className="greenlight-button greenlight-button--danger" onClick={onRecover}>
          {labels.recover}
        </button>
      )}
    </div>
  );
}

function DefinitionList({ rows }: { readonly rows: readonly (readonly [string, ReactNode])[] }) {
  return (
    <dl className="greenlight-details__list">
      {rows.map(([term, value]) => (
        <div key={term} className="greenlight-details__row">
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
