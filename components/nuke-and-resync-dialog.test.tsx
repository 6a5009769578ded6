import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UnsyncedChangesExport } from '../engine/client/sync-client-api.ts';
import type { SyncProgress, SyncStatus } from '../engine/client/sync-status.ts';
import { GreenlightProvider } from '../state/greenlight-provider.tsx';
import { createFakeSyncClient, QUIET_DIAGNOSTICS, quietSnapshot } from '../state/test-support/fake-sync-client.ts';
import { NukeAndResyncDialog } from './nuke-and-resync-dialog.tsx';
import { NukeAndResyncDialogView } from './nuke-and-resync-dialog-view.tsx';
import { RemoteDbBadge } from './remote-db-badge.tsx';

const pending = { changes: 48, rows: 17 };
const incompatible: SyncStatus = { status: 'incompatible', pending, reason: 'server-rebuilt', message: '', since: 0 };
const redownload: SyncProgress = {
  changesDone: 500,
  changesTotal: 1_000,
  rowsDone: 200,
  rowsTotal: 400,
  bytesDone: 2_000_000,
  bytesTotal: 4_000_000,
  changesPerSecond: 250,
  etaMs: 2_000,
  startedAt: 0,
  finishedAt: null,
};

const exported: UnsyncedChangesExport = {
  format: 'greenlight-unsynced-changes',
  formatVersion: 1,
  database: 'bookshop',
  clientSiteId: 'abc',
  exportedAt: '2026-01-15T09:30:00.000Z',
  changes: [],
};

function deferred() {
  let resolve: () => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A client whose snapshot the test moves by hand, with spies on the two actions. */
function createFakeClient(status: SyncStatus) {
  const nukes: ReturnType<typeof deferred>[] = [];
  const fake = createFakeSyncClient(quietSnapshot(status), {
    exportUnsyncedChanges: vi.fn(() => Promise.resolve(exported)),
    nukeAndResync: vi.fn(() => {
      const nuke = deferred();
      nukes.push(nuke);
      return nuke.promise;
    }),
  });
  return {
    client: fake.client,
    nukes,
    emit(next: SyncStatus, progress: SyncProgress | null = null) {
      act(() => fake.emit(quietSnapshot(next, progress)));
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('NukeAndResyncDialog', () => {
  it('opens for an incompatible database and walks export, confirm, re-download and close', async () => {
    const user = userEvent.setup();
    const downloads: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      downloads.push(this.download);
    });
    const fake = createFakeClient(incompatible);
    render(
      <GreenlightProvider client={fake.client}>
        <NukeAndResyncDialog />
      </GreenlightProvider>,
    );

    const dialog = await screen.findByRole('dialog', { name: 'This device can no longer sync' });
    expect(within(dialog).getByText(/server’s database was rebuilt/)).toBeTruthy();
    expect(within(dialog).getByText(/48 local changes \(in 17 rows\) have not reached the server/)).toBeTruthy();

    await user.click(within(dialog).getByRole('button', { name: 'Export unsynced changes' }));
    expect(await within(dialog).findByText('The unsynced changes were saved as a file.')).toBeTruthy();
    expect(fake.client.exportUnsyncedChanges).toHaveBeenCalledTimes(1);
    expect(downloads).toEqual(['bookshop-unsynced-changes-2026-01-15T09-30-00.000Z.json']);

    await user.click(within(dialog).getByRole('button', { name: 'Nuke and Resync…' }));
    const confirm = screen.getByRole('dialog', { name: 'Delete this device’s copy?' });
    expect(within(confirm).getByText(/48 unsynced changes will be lost/)).toBeTruthy();
    expect(fake.client.nukeAndResync).not.toHaveBeenCalled();

    await user.dblClick(within(confirm).getByRole('button', { name: 'Delete and download again' }));
    expect(fake.client.nukeAndResync).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('dialog', { name: 'Downloading a fresh copy' })).toBeTruthy();

    // Leaving now would hide a half-done job.
    await user.keyboard('{Escape}');
    expect(screen.getByRole('dialog', { name: 'Downloading a fresh copy' })).toBeTruthy();

    fake.emit({ status: 'catching-up', pending: { changes: 0, rows: 0 }, progress: redownload }, redownload);
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('50');
    expect(screen.getByText('2.0 MB of 4.0 MB')).toBeTruthy();

    await act(async () => fake.nukes[0]?.resolve());
    expect(screen.getByRole('dialog')).toBeTruthy();

    fake.emit({ status: 'synced', pending: { changes: 0, rows: 0 }, lastSyncedAt: 1 });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(fake.client.nukeAndResync).toHaveBeenCalledTimes(1);
  });

  it('shows a failure with a retry that calls the engine again', async () => {
    const user = userEvent.setup();
    const fake = createFakeClient(incompatible);
    render(
      <GreenlightProvider client={fake.client}>
        <NukeAndResyncDialog />
      </GreenlightProvider>,
    );
    await user.click(await screen.findByRole('button', { name: 'Nuke and Resync…' }));
    await user.click(screen.getByRole('button', { name: 'Delete and download again' }));
    await act(async () => fake.nukes[0]?.reject(new Error('the database file is locked')));

    expect(screen.getByRole('dialog', { name: 'Nuke and Resync failed' })).toBeTruthy();
    expect(screen.getByText('The local database could not be replaced: the database file is locked')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(fake.client.nukeAndResync).toHaveBeenCalledTimes(2);
    expect(screen.getByRole('dialog', { name: 'Downloading a fresh copy' })).toBeTruthy();
  });

  it('opens on request from the badge while stuck, and closes on Escape before anything runs', async () => {
    const user = userEvent.setup();
    const fake = createFakeClient({
      status: 'stuck',
      pending,
      reason: 'acks-stalled',
      since: 0,
      diagnostics: QUIET_DIAGNOSTICS,
    });
    render(
      <GreenlightProvider client={fake.client}>
        <RemoteDbBadge />
        <NukeAndResyncDialog />
      </GreenlightProvider>,
    );
    expect(screen.queryByRole('dialog')).toBeNull();

    await user.click(screen.getByRole('button', { name: /Remote DB/ }));
    await user.click(await screen.findByRole('button', { name: 'Nuke and Resync…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Sync is stuck' });
    expect(within(dialog).getByText('The server has stopped confirming that it saved your changes.')).toBeTruthy();

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog', { name: 'Sync is stuck' })).toBeNull();
    expect(fake.client.nukeAndResync).not.toHaveBeenCalled();
  });
});

describe('NukeAndResyncDialogView focus', () => {
  it('traps focus inside and gives it back to where it was on close', async () => {
    const user = userEvent.setup();
    function Host({ open }: { open: boolean }) {
      return (
        <>
          <button type="button">outside</button>
          <NukeAndResyncDialogView
            open={open}
            cause={{ status: 'stuck', reason: 'rapid-failures' }}
            pending={pending}
            progress={null}
            synced={false}
            onNukeAndResync={() => Promise.resolve()}
            onExportUnsyncedChanges={() => undefined}
          />
        </>
      );
    }
    const view = render(<Host open={false} />);
    const outside = screen.getByRole('button', { name: 'outside' });
    outside.focus();

    view.rerender(<Host open />);
    const dialog = screen.getByRole('dialog');
    expect(dialog.contains(document.activeElement)).toBe(true);
    for (let i = 0; i < 5; i += 1) {
      await user.tab();
      expect(dialog.contains(document.activeElement)).toBe(true);
    }

    view.rerender(<Host open={false} />);
    // Radix moves focus back a task after the dialog unmounts.
    await vi.waitFor(() => expect(document.activeElement).toBe(outside));
  });
});
