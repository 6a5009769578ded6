import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, screen, userEvent, waitFor } from 'storybook/test';
import { INCOMPATIBLE_REASONS, STUCK_REASONS } from '../engine/client/sync-status.ts';
import { NukeAndResyncDialogView, type NukeAndResyncDialogViewProps } from '../components/nuke-and-resync-dialog-view.tsx';
import type { RecoveryCause } from '../state/recovery-dialog-atom.ts';
import { nukeAndResyncLabelsDe } from './german-labels.ts';
import { StateSheet, StateSheetPortalCell } from './state-sheet.tsx';
import { MANY_PENDING, NOTHING_PENDING, PROGRESS_MIDWAY } from './sync-fixtures.ts';

const meta = {
  title: 'Components/NukeAndResyncDialog',
  component: NukeAndResyncDialogView,
  tags: ['autodocs'],
  args: {
    cause: { status: 'incompatible', reason: 'server-rebuilt' },
    pending: MANY_PENDING,
    progress: null,
    synced: false,
    open: true,
    onExportUnsyncedChanges: fn(),
    onNukeAndResync: fn(() => new Promise<void>(() => undefined)),
  },
  parameters: {
    docs: {
      description: {
        component:
          'Explains why this device cannot sync, offers the unsynced changes as a file, confirms, then shows the re-download and closes on green. `NukeAndResyncDialog` is the same dialog wired to a `GreenlightProvider`; it opens by itself for an incompatible database.',
      },
      story: { inline: false, height: '480px' },
    },
  },
} satisfies Meta<typeof NukeAndResyncDialogView>;

export default meta;
type Story = StoryObj<typeof meta>;

export const ServerRebuilt: Story = {};
export const SchemaMismatch: Story = { args: { cause: { status: 'incompatible', reason: 'schema-mismatch' } } };
export const StuckAcksStalled: Story = { args: { cause: { status: 'stuck', reason: 'acks-stalled' } } };
export const NothingToLose: Story = { args: { pending: NOTHING_PENDING } };
export const Confirm: Story = { args: { defaultStep: 'confirm' } };
export const ResyncingStarting: Story = { args: { defaultStep: 'resyncing' } };
export const ResyncingMidway: Story = { args: { defaultStep: 'resyncing', progress: PROGRESS_MIDWAY } };
export const Dark: Story = { globals: { theme: 'dark' } };
export const German: Story = { args: { labels: nukeAndResyncLabelsDe } };

export const Exported: Story = {
  play: async ({ args }) => {
    await userEvent.click(await screen.findByRole('button', { name: 'Export unsynced changes' }));
    await expect(await screen.findByText('The unsynced changes were saved as a file.')).toBeVisible();
    await expect(args.onExportUnsyncedChanges).toHaveBeenCalledTimes(1);
  },
};

export const Failed: Story = {
  args: { onNukeAndResync: fn(() => Promise.reject(new Error('the database file is locked by another tab'))) },
  play: async ({ args }) => {
    await userEvent.click(await screen.findByRole('button', { name: 'Nuke and Resync…' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Delete and download again' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Try again' })).toBeVisible());
    await expect(args.onNukeAndResync).toHaveBeenCalledTimes(1);
  },
};

const incompatibleCauses: readonly RecoveryCause[] = INCOMPATIBLE_REASONS.map((reason) => ({ status: 'incompatible', reason }) as const);
const stuckCauses: readonly RecoveryCause[] = STUCK_REASONS.map((reason) => ({ status: 'stuck', reason }) as const);

// One sheet per status, four across: all of one status's reasons fit the review frame.
function renderReasons(causes: readonly RecoveryCause[]): NonNullable<Story['render']> {
  return (args) => (
    <StateSheet columns={4}>
      {causes.map((cause) => (
        <StateSheetPortalCell key={cause.reason} label={`${cause.status}: ${cause.reason}`}>
          {(container) => <NukeAndResyncDialogView {...args} cause={cause} modal={false} container={container} />}
        </StateSheetPortalCell>
      ))}
    </StateSheet>
  );
}

const steps: readonly (readonly [string, Partial<NukeAndResyncDialogViewProps>])[] = [
  ['explain, incompatible', {}],
  ['explain, stuck', { cause: { status: 'stuck', reason: 'heartbeat-lost' } }],
  ['explain, nothing to lose', { pending: NOTHING_PENDING }],
  ['confirm', { defaultStep: 'confirm' }],
  ['resyncing, starting', { defaultStep: 'resyncing' }],
  ['resyncing, midway', { defaultStep: 'resyncing', progress: PROGRESS_MIDWAY }],
];

const renderAllStates: Story['render'] = (args) => (
  <StateSheet columns={3}>
    {steps.map(([label, props]) => (
      <StateSheetPortalCell key={label} label={label}>
        {(container) => <NukeAndResyncDialogView {...args} {...props} modal={false} container={container} />}
      </StateSheetPortalCell>
    ))}
  </StateSheet>
);

export const AllStates: Story = { render: renderAllStates, globals: { viewport: { value: 'sheet' } } };
export const AllStatesDark: Story = { render: renderAllStates, globals: { theme: 'dark', viewport: { value: 'sheet' } } };

/** Every reason this device can no longer sync, in plain words, as a user meets it. */
export const AllReasons: Story = {
  args: { pending: NOTHING_PENDING },
  globals: { viewport: { value: 'sheet' } },
  render: renderReasons(incompatibleCauses),
};

/** Every reason sync is stuck, in plain words. */
export const AllStuckReasons: Story = {
  args: { pending: NOTHING_PENDING },
  globals: { viewport: { value: 'sheet' } },
  render: renderReasons(stuckCauses),
};
