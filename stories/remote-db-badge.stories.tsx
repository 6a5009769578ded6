import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';
import { SYNC_STATUS_NAMES } from '../engine/client/sync-status.ts';
import { RemoteDbBadgeView } from '../components/remote-db-badge-view.tsx';
import { remoteDbBadgeLabelsDe } from './german-labels.ts';
import { StateSheet, StateSheetCell } from './state-sheet.tsx';
import { FIXED_NOW, HEALTHY_DIAGNOSTICS, SERVER_UNREACHABLE, STATUSES, STUCK_DIAGNOSTICS } from './sync-fixtures.ts';

const meta = {
  title: 'Components/RemoteDbBadge',
  component: RemoteDbBadgeView,
  tags: ['autodocs'],
  args: { status: STATUSES.synced, now: FIXED_NOW },
  parameters: {
    docs: {
      description: {
        component:
          'The "Remote DB" light. Pure view: give it a `SyncStatus`. `RemoteDbBadge` is the same badge wired to a `GreenlightProvider`.',
      },
    },
  },
} satisfies Meta<typeof RemoteDbBadgeView>;

export default meta;
type Story = StoryObj<typeof meta>;

export const Idle: Story = { args: { status: STATUSES.idle } };
export const Connecting: Story = { args: { status: STATUSES.connecting } };
export const CatchingUp: Story = { args: { status: STATUSES['catching-up'] } };
/** Connected, the server's word overdue, nothing downloading: yellow, no bar. */
export const Waiting: Story = {
  args: { status: STATUSES.waiting },
  play: async ({ canvasElement }) => {
    const badge = within(canvasElement).getByRole('button', { name: 'Remote DB (3 pending) waiting for server' });
    await expect(badge).toHaveAttribute('data-status', 'waiting');
    await expect(badge.querySelector('.greenlight-badge__meter')).toBeNull();
  },
};
export const Synced: Story = {
  args: { status: STATUSES.synced },
  play: async ({ canvasElement }) => {
    const badge = within(canvasElement).getByRole('button', { name: 'Remote DB' });
    await expect(badge).toHaveAttribute('data-status', 'synced');
    await expect(badge).toHaveAttribute('data-pending', '0');
  },
};
export const Syncing: Story = {
  args: { status: STATUSES.syncing },
  play: async ({ canvasElement }) => {
    const badge = within(canvasElement).getByRole('button', { name: 'Remote DB (3 pending)' });
    await expect(badge).toHaveAttribute('data-pending', '3');
  },
};
export const DisconnectedOffline: Story = { args: { status: STATUSES.disconnected } };
export const DisconnectedServerUnreachable: Story = { args: { status: SERVER_UNREACHABLE } };
export const Stuck: Story = { args: { status: STATUSES.stuck } };
export const Incompatible: Story = { args: { status: STATUSES.incompatible } };

/** The popover a click opens: the status in words, the reason, diagnostics and, when stuck, recovery. */
export const DetailsOpen: Story = {
  args: { status: STATUSES.stuck, diagnostics: STUCK_DIAGNOSTICS, defaultOpen: true, onRecover: () => undefined },
  parameters: { screenshot: 'page' },
};

export const DetailsOpenWaiting: Story = {
  args: { status: STATUSES.waiting, diagnostics: HEALTHY_DIAGNOSTICS, defaultOpen: true },
  parameters: { screenshot: 'page' },
};

export const DetailsOpenSynced: Story = {
  args: { status: STATUSES.synced, diagnostics: HEALTHY_DIAGNOSTICS, defaultOpen: true },
  parameters: { screenshot: 'page' },
};

const renderAllStates: Story['render'] = (args) => (
  <StateSheet columns={3}>
    {SYNC_STATUS_NAMES.map((name) => (
      <StateSheetCell key={name} label={name}>
        <RemoteDbBadgeView {...args} status={STATUSES[name]} />
      </StateSheetCell>
    ))}
    <StateSheetCell label="disconnected (server unreachable)">
      <RemoteDbBadgeView {...args} status={SERVER_UNREACHABLE} />
    </StateSheetCell>
  </StateSheet>
);

export const AllStates: Story = { render: renderAllStates };
export const AllStatesDark: Story = { render: renderAllStates, globals: { theme: 'dark' } };
export const AllStatesGerman: Story = { render: renderAllStates, args: { labels: remoteDbBadgeLabelsDe } };

export const DetailsOpenDark: Story = { ...DetailsOpen, globals: { theme: 'dark' } };
