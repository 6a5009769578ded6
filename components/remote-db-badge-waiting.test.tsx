import { act, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SyncStatus } from '../engine/client/sync-status.ts';
import { GreenlightProvider } from '../state/greenlight-provider.tsx';
import { createFakeSyncClient, quietSnapshot } from '../state/test-support/fake-sync-client.ts';
import { remoteDbBadgeLabelsDe } from '../stories/german-labels.ts';
import { FIXED_NOW, PROGRESS_MIDWAY, STATUSES } from '../stories/sync-fixtures.ts';
import { RemoteDbBadgeView } from './remote-db-badge-view.tsx';
import { SyncProgressDialog } from './sync-progress-dialog.tsx';

/**
 * `waiting`: connected, but the server's word is overdue and nothing is
 * downloading. Yellow like connecting, with no progress anywhere: not the
 * catching-up bar, not the progress dialog.
 */
const waiting = STATUSES.waiting;

function lightFill(status: SyncStatus): string {
  const view = render(<RemoteDbBadgeView status={status} now={FIXED_NOW} />);
  const light = view.container.querySelector('.greenlight-light');
  if (light === null) throw new Error('no light');
  const fill = getComputedStyle(light).fill;
  view.unmount();
  return fill;
}

describe('RemoteDbBadgeView while waiting', () => {
  it('is yellow, says it waits for the server with the pending count, and shows no progress bar', () => {
    expect(lightFill(waiting)).toBe(lightFill(STATUSES.connecting));
    expect(lightFill(waiting)).not.toBe(lightFill(STATUSES.synced));
    expect(lightFill(waiting)).not.toBe(lightFill(STATUSES.disconnected));

    const view = render(<RemoteDbBadgeView status={waiting} now={FIXED_NOW} />);
    const badge = screen.getByRole('button', { name: 'Remote DB (3 pending) waiting for server' });
    expect(badge.dataset['status']).toBe('waiting');
    expect(badge.dataset['pending']).toBe('3');
    expect(badge.querySelector('.greenlight-badge__meter')).toBeNull();
    expect(view.container.querySelector('[aria-live="polite"]')?.textContent).toBe('Remote DB: waiting for server');
  });

  it('explains in its details what it waits for and since when, with no download and no recovery', () => {
    render(<RemoteDbBadgeView status={waiting} now={FIXED_NOW} defaultOpen onRecover={() => undefined} />);
    const details = screen.getByRole('dialog', { name: 'Sync details' });
    expect(within(details).getByText('Connected, but waiting to hear from the server. Nothing is downloading; your changes are kept on this device.')).toBeTruthy();
    expect(within(details).getByText('The server has gone quiet for a moment: changes made elsewhere since it last spoke may not be here yet.')).toBeTruthy();
    expect(within(details).getByText('Since')).toBeTruthy();
    expect(within(details).getByText('3 changes in 2 rows')).toBeTruthy();
    expect(within(details).queryByText('Downloaded')).toBeNull();
    expect(within(details).queryByRole('button', { name: 'Nuke and Resync…' })).toBeNull();
  });

  it('names changes the server announced when those are what it waits for', () => {
    render(<RemoteDbBadgeView status={{ ...waiting, waitingFor: 'server-changes' }} now={FIXED_NOW} defaultOpen />);
    expect(screen.getByText('The server announced changes that have not arrived yet.')).toBeTruthy();
  });

  it('says all of it in German with the German labels', () => {
    const view = render(<RemoteDbBadgeView status={waiting} now={FIXED_NOW} labels={remoteDbBadgeLabelsDe} defaultOpen />);
    expect(screen.getByRole('button', { name: 'Server-DB (3 ausstehend) wartet auf Server' }).dataset['status']).toBe('waiting');
    expect(view.container.querySelector('[aria-live="polite"]')?.textContent).toBe('Server-DB: wartet auf Server');
    const details = screen.getByRole('dialog', { name: 'Sync-Details' });
    expect(within(details).getByText(remoteDbBadgeLabelsDe.statusMeaning.waiting)).toBeTruthy();
    expect(within(details).getByText(remoteDbBadgeLabelsDe.reasons.waiting['server-version'])).toBeTruthy();
    expect(remoteDbBadgeLabelsDe.status.waiting).not.toBe('waiting for server');
  });
});

describe('SyncProgressDialog while waiting', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never opens, even for a snapshot that carries a running progress; catching-up with the same progress does', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fake = createFakeSyncClient(quietSnapshot(waiting, PROGRESS_MIDWAY));
    render(
      <GreenlightProvider client={fake.client}>
        <SyncProgressDialog delayMs={100} />
      </GreenlightProvider>,
    );
    act(() => vi.advanceTimersByTime(1_000));
    expect(screen.queryByRole('dialog')).toBeNull();

    act(() => fake.emit(quietSnapshot({ status: 'catching-up', pending: waiting.pending, progress: PROGRESS_MIDWAY }, PROGRESS_MIDWAY)));
    act(() => vi.advanceTimersByTime(1_000));
    expect(screen.getByRole('dialog', { name: 'Downloading changes' })).toBeTruthy();
  });
});
