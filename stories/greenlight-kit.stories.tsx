import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, screen, userEvent, within } from 'storybook/test';
import type { SyncSnapshot } from '../engine/client/sync-client-api.ts';
import { NukeAndResyncDialog } from '../components/nuke-and-resync-dialog.tsx';
import { RemoteDbBadge } from '../components/remote-db-badge.tsx';
import { SyncProgressDialog } from '../components/sync-progress-dialog.tsx';
import { GreenlightProvider } from '../state/greenlight-provider.tsx';
import { createStaticSyncClient } from './static-sync-client.ts';
import { FIXED_NOW, snapshotOf, STATUSES } from './sync-fixtures.ts';

/**
 * The connected components as a host embeds them. Each story mounts its own
 * GreenlightProvider, which makes a fresh jotai store, around a client frozen at
 * one snapshot.
 */
function Kit({ snapshot }: { readonly snapshot: SyncSnapshot }) {
  const [client] = useState(() => createStaticSyncClient(snapshot));
  return (
    <GreenlightProvider client={client}>
      <RemoteDbBadge now={FIXED_NOW} />
      <SyncProgressDialog delayMs={0} />
      <NukeAndResyncDialog />
    </GreenlightProvider>
  );
}

const meta = {
  title: 'Kit/Connected',
  component: Kit,
  tags: ['autodocs'],
  args: { snapshot: snapshotOf(STATUSES.synced) },
  parameters: { docs: { story: { inline: false, height: '480px' } } },
} satisfies Meta<typeof Kit>;

export default meta;
type Story = StoryObj<typeof meta>;

export const Synced: Story = {};

export const SyncedDetails: Story = {
  play: async ({ canvasElement }) => {
    await userEvent.click(within(canvasElement).getByRole('button', { name: 'Remote DB' }));
    await expect(await screen.findByText('Sync details')).toBeVisible();
  },
};

export const CatchingUp: Story = {
  args: { snapshot: snapshotOf(STATUSES['catching-up']) },
  play: async () => {
    await expect(await screen.findByRole('dialog', { name: 'Downloading changes' })).toBeVisible();
  },
};

/** Waiting for the server: nothing downloads, so the progress dialog stays shut. */
export const Waiting: Story = {
  args: { snapshot: snapshotOf(STATUSES.waiting) },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByRole('button', { name: /waiting for server/ })).toHaveAttribute('data-status', 'waiting');
    // The dialog's delay is 0 here: a dialog that would open has had its chance.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(screen.queryByRole('dialog')).toBeNull();
  },
};

export const Incompatible: Story = {
  args: { snapshot: snapshotOf(STATUSES.incompatible) },
  play: async () => {
    await expect(await screen.findByRole('dialog', { name: 'This device can no longer sync' })).toBeVisible();
  },
};

export const StuckOffersRecovery: Story = {
  args: { snapshot: snapshotOf(STATUSES.stuck) },
  play: async ({ canvasElement }) => {
    await userEvent.click(within(canvasElement).getByRole('button', { name: /Remote DB/ }));
    await userEvent.click(await screen.findByRole('button', { name: 'Nuke and Resync…' }));
    await expect(await screen.findByRole('dialog', { name: 'Sync is stuck' })).toBeVisible();
  },
};
