import * as Popover from '@radix-ui/react-popover';
import { forwardRef, type ComponentPropsWithoutRef, type ReactNode } from 'react';
import type { SyncDiagnostics, SyncStatus } from '../engine/client/sync-status.ts';
import { progressPercent } from '../state/progress-percent.ts';
import { classNames } from './class-names.ts';
import { formatCount } from './human-units.ts';
import { RemoteDbBadgeDetails } from './remote-db-badge-details.tsx';
import { remoteDbBadgeLabelsEn, type RemoteDbBadgeLabels } from './remote-db-badge-labels.ts';
import { SyncLightIcon } from './sync-light-icon.tsx';

export interface RemoteDbBadgeViewProps extends Omit<ComponentPropsWithoutRef<'button'>, 'children'> {
  readonly status: SyncStatus;
  /** Shown in the popover when given. */
  readonly diagnostics?: SyncDiagnostics | undefined;
  /** The clock relative times are measured against; fixed in stories and tests. */
  readonly now?: number | undefined;
  readonly labels?: Partial<RemoteDbBadgeLabels> | undefined;
  /** The details popover, Radix style: controlled with `open`, or not with `defaultOpen`. */
  readonly open?: boolean | undefined;
  readonly defaultOpen?: boolean | undefined;
  readonly onOpenChange?: ((open: boolean) => void) | undefined;
  /** Offers Nuke and Resync in the popover while stuck or incompatible. */
  readonly onRecover?: (() => void) | undefined;
  /** Replaces the popover's built-in details, e.g. with a view that reads live data only while open. */
  readonly details?: ReactNode;
}

/**
 * The "Remote DB" light. Its button opens a popover with details; a polite live
 * region beside it announces status changes, and only those: pending counts and
 * percentages stay out of it so a screen reader is not talked over.
 */
export const RemoteDbBadgeView = forwardRef<HTMLButtonElement, RemoteDbBadgeViewProps>(function RemoteDbBadgeView(
  { status, diagnostics, now, labels: labelOverrides, open, defaultOpen, onOpenChange, onRecover, details, className, ...buttonProps },
  forwardedRef,
) {
  const labels: RemoteDbBadgeLabels = { ...remoteDbBadgeLabelsEn, ...labelOverrides };
  const pendingChanges = status.pending.changes;
  const name = pendingChanges > 0 ? labels.nameWithPending(labels.name, formatCount(pendingChanges, labels.locale)) : labels.name;
  const percent = status.status === 'catching-up' ? progressPercent(status.progress) : null;
  const hint = badgeHint(status, labels, percent);
  const spokenStatus =
    status.status === 'disconnected'
      ? `${labels.status.disconnected}, ${labels.reasons.disconnect[status.reason]}`
      : labels.status[status.status];

  return (
    <span className="greenlight-badge-root">
      <Popover.Root
        {...(open === undefined ? {} : { open })}
        {...(defaultOpen === undefined ? {} : { defaultOpen })}
        {...(onOpenChange === undefined ? {} : { onOpenChange })}
      >
        <Popover.Trigger
          ref={forwardedRef}
          className={classNames('greenlight-badge', className)}
          data-status={status.status}
          data-pending={pendingChanges}
          {...buttonProps}
        >
          <SyncLightIcon status={status.status} />
          <span className="greenlight-badge__name">{name}</span>
          {hint !== null && <span className="greenlight-badge__hint">{hint}</span>}
          {percent !== null && (
            <span className="greenlight-badge__meter" aria-hidden="true">
              <span className="greenlight-badge__meter-fill" style={{ width: `${percent}%` }} />
            </span>
          )}
        </Popover.Trigger>
        <Popover.Portal>
          <Popover.Content
            className="greenlight-popover"
            aria-label={labels.detailsTitle}
            side="top"
            align="start"
            sideOffset={6}
            collisionPadding={8}
            onOpenAutoFocus={focusContentInstead}
          >
            {details ?? (
              <RemoteDbBadgeDetails
                status={status}
                diagnostics={diagnostics}
                now={now ?? Date.now()}
                labels={labels}
                onRecover={onRecover}
              />
            )}
          </Popover.Content>
        </Popover.Portal>
      </Popover.Root>
      <span className="greenlight-visually-hidden" aria-live="polite">
        {labels.announcement(labels.name, spokenStatus)}
      </span>
    </span>
  );
});

/** Radix would focus the first button, which while stuck is the destructive one; the panel itself is a safer landing. */
function focusContentInstead(event: Event) {
  event.preventDefault();
  if (event.currentTarget instanceof HTMLElement) event.currentTarget.focus();
}

function badgeHint(status: SyncStatus, labels: RemoteDbBadgeLabels, percent: number | null): string | null {
  switch (status.status) {
    case 'synced':
    case 'syncing':
      return null;
    case 'catching-up':
      return `${formatCount(percent ?? 0, labels.locale)}%`;
    case 'disconnected':
      return labels.reasons.disconnect[status.reason];
    default:
      return labels.status[status.status];
  }
}
