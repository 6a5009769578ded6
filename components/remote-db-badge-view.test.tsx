import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createRef } from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { SyncProgress, SyncStatus } from '../engine/client/sync-status.ts';
import { RemoteDbBadgeView } from './remote-db-badge-view.tsx';

const NOW = Date.UTC(2026, 0, 15, 9, 30);
const none = { changes: 0, rows: 0 };
const three = { changes: 3, rows: 2 };
const progress: SyncProgress = {
  changesDone: 500,
  changesTotal: 1000,
  rowsDone: 100,
  rowsTotal: 200,
  bytesDone: 420,
  bytesTotal: 1000,
  changesPerSecond: 100,
  etaMs: 5000,
  startedAt: NOW - 5000,
  finishedAt: null,
};

const cases: readonly { status: SyncStatus; name: string; hint: string | null }[] = [
  { status: { status: 'idle', pending: none }, name: 'Remote DB', hint: 'not started' },
  { status: { status: 'connecting', pending: none, attempt: 1, nextRetryAt: null }, name: 'Remote DB', hint: 'connecting' },
  { status: { status: 'catching-up', pending: none, progress }, name: 'Remote DB', hint: '42%' },
  { status: { status: 'synced', pending: none, lastSyncedAt: NOW }, name: 'Remote DB', hint: null },
  { status: { status: 'syncing', pending: three, lastSyncedAt: NOW }, name: 'Remote DB (3 pending)', hint: null },
  {
    status: { status: 'disconnected', pending: three, reason: 'offline', since: NOW, nextRetryAt: null },
    name: 'Remote DB (3 pending)',
    hint: 'offline',
  },
  {
    status: { status: 'disconnected', pending: none, reason: 'server-unreachable', since: NOW, nextRetryAt: null },
    name: 'Remote DB',
    hint: 'server unreachable',
  },
  {
    status: {
      status: 'stuck',
      pending: three,
      reason: 'heartbeat-lost',
      since: NOW,
      diagnostics: {
        connectAttempts: 3,
        recentFailures: 0,
        lastError: null,
        lastConnectedAt: NOW,
        lastHeartbeatAt: NOW,
        lastAckAt: NOW,
        lastSyncedAt: NOW,
        serverVersion: 1,
        appliedServerVersion: 1,
        ackedLocalVersion: 1,
      },
    },
    name: 'Remote DB (3 pending)',
    hint: 'stuck',
  },
  {
    status: { status: 'incompatible', pending: none, reason: 'schema-mismatch', message: '', since: NOW },
    name: 'Remote DB',
    hint: 'incompatible',
  },
];

describe('RemoteDbBadgeView', () => {
  it.each(cases)('shows $status.status as "$name" with hint $hint', ({ status, name, hint }) => {
    render(<RemoteDbBadgeView status={status} now={NOW} />);
    const badge = screen.getByRole('button', { name: hint === null ? name : `${name} ${hint}` });
    expect(badge.dataset['status']).toBe(status.status);
    expect(badge.dataset['pending']).toBe(String(status.pending.changes));
    expect(within(badge).getByText(name)).toBeTruthy();
  });

  it('announces a status change but not a new pending count', () => {
    const syncing = (changes: number): SyncStatus => ({ status: 'syncing', pending: { changes, rows: 1 }, lastSyncedAt: NOW });
    const view = render(<RemoteDbBadgeView status={syncing(1)} now={NOW} />);
    const region = view.container.querySelector('[aria-live="polite"]');
    expect(region?.textContent).toBe('Remote DB: saving');

    view.rerender(<RemoteDbBadgeView status={syncing(2)} now={NOW} />);
    expect(screen.getByRole('button').dataset['pending']).toBe('2');
    expect(region?.textContent).toBe('Remote DB: saving');

    view.rerender(
      <RemoteDbBadgeView
        status={{ status: 'disconnected', pending: { changes: 2, rows: 1 }, reason: 'offline', since: NOW, nextRetryAt: null }}
        now={NOW}
      />,
    );
    expect(region?.textContent).toBe('Remote DB: disconnected, offline');
  });

  it('opens details with the reason in plain words and closes them on Escape', async () => {
    const user = userEvent.setup();
    const onOpenChange = vi.fn();
    const stuck = cases[7]?.status;
    if (stuck === undefined) throw new Error('fixture missing');
    render(<RemoteDbBadgeView status={stuck} now={NOW} onOpenChange={onOpenChange} />);

    await user.click(screen.getByRole('button', { name: /Remote DB/ }));
    const details = await screen.findByRole('dialog', { name: 'Sync details' });
    expect(within(details).getByText('The server stopped answering, although the connection still looks open.')).toBeTruthy();
    expect(onOpenChange).toHaveBeenLastCalledWith(true);

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(onOpenChange).toHaveBeenLastCalledWith(false);
  });

  it('offers recovery only while stuck or incompatible, when the host handles it', async () => {
    const user = userEvent.setup();
    const onRecover = vi.fn();
    const view = render(<RemoteDbBadgeView status={cases[3]!.status} now={NOW} defaultOpen onRecover={onRecover} />);
    expect(screen.queryByRole('button', { name: 'Nuke and Resync…' })).toBeNull();
    view.unmount();

    render(<RemoteDbBadgeView status={cases[8]!.status} now={NOW} defaultOpen onRecover={onRecover} />);
    await user.click(screen.getByRole('button', { name: 'Nuke and Resync…' }));
    expect(onRecover).toHaveBeenCalledTimes(1);
  });

  it('forwards its ref to the button, passes props through and composes onClick', async () => {
    const user = userEvent.setup();
    const ref = createRef<HTMLButtonElement>();
    const onClick = vi.fn((event: React.MouseEvent) => event.preventDefault());
    render(
      <RemoteDbBadgeView ref={ref} status={cases[3]!.status} className="host-badge" title="sync" onClick={onClick} />,
    );
    expect(ref.current).toBe(screen.getByRole('button'));
    expect(ref.current?.className).toBe('greenlight-badge host-badge');
    expect(ref.current?.title).toBe('sync');
    await user.click(ref.current!);
    expect(onClick).toHaveBeenCalledTimes(1);
    // The host's preventDefault stops Radix from opening the popover, as in Radix's own parts.
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('takes every string from labels', () => {
    render(
      <RemoteDbBadgeView
        status={cases[4]!.status}
        labels={{ locale: 'de', name: 'Server-DB', nameWithPending: (name, n) => `${name} (${n} ausstehend)` }}
      />,
    );
    expect(screen.getByRole('button', { name: 'Server-DB (3 ausstehend)' })).toBeTruthy();
  });
});
