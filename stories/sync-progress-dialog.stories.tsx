import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, screen, waitFor } from 'storybook/test';
import { SyncProgressDialogView } from '../components/sync-progress-dialog-view.tsx';
import { syncProgressLabelsDe } from './german-labels.ts';
import { StateSheet, StateSheetPortalCell } from './state-sheet.tsx';
import { PROGRESS_ALMOST_DONE, PROGRESS_MIDWAY, PROGRESS_STARTING } from './sync-fixtures.ts';

const meta = {
  title: 'Components/SyncProgressDialog',
  component: SyncProgressDialogView,
  tags: ['autodocs'],
  args: { progress: PROGRESS_MIDWAY, open: true },
  parameters: {
    docs: {
      description: {
        component:
          'Opens by itself when a catch-up or burst lasts longer than `delayMs` (400 ms by default), so short syncs never flash. `SyncProgressDialog` is the same dialog wired to a `GreenlightProvider`.',
      },
      story: { inline: false, height: '420px' },
    },
  },
} satisfies Meta<typeof SyncProgressDialogView>;

export default meta;
type Story = StoryObj<typeof meta>;

export const Starting: Story = { args: { progress: PROGRESS_STARTING } };
export const Midway: Story = {
  play: async () => {
    const bar = await screen.findByRole('progressbar', { name: 'Download progress' });
    await expect(bar).toHaveAttribute('aria-valuenow', '25');
    await expect(screen.getByText('1.2 MB of 4.8 MB')).toBeVisible();
    await expect(screen.getByText('about 12 s left')).toBeVisible();
  },
};
export const AlmostDone: Story = { args: { progress: PROGRESS_ALMOST_DONE } };
export const WithoutByteSizes: Story = { args: { progress: { ...PROGRESS_MIDWAY, bytesDone: 0, bytesTotal: 0 } } };
export const Dark: Story = { globals: { theme: 'dark' } };
export const German: Story = { args: { labels: syncProgressLabelsDe } };

/** Uncontrolled: nothing for the first `delayMs`, then the dialog. */
export const OpensAfterDelay: Story = {
  args: { open: undefined, delayMs: 300 },
  play: async () => {
    await expect(screen.queryByRole('dialog')).toBeNull();
    await waitFor(() => expect(screen.getByRole('dialog')).toBeVisible(), { timeout: 3000 });
  },
};

const progressStates = [
  ['starting', PROGRESS_STARTING],
  ['midway', PROGRESS_MIDWAY],
  ['almost done', PROGRESS_ALMOST_DONE],
] as const;

const renderAllStates: Story['render'] = (args) => (
  <StateSheet columns={3}>
    {progressStates.map(([label, progress]) => (
      <StateSheetPortalCell key={label} label={label}>
        {(container) => <SyncProgressDialogView {...args} progress={progress} modal={false} container={container} />}
      </StateSheetPortalCell>
    ))}
  </StateSheet>
);

export const AllStates: Story = { render: renderAllStates, globals: { viewport: { value: 'sheet' } } };
export const AllStatesDark: Story = { render: renderAllStates, globals: { theme: 'dark', viewport: { value: 'sheet' } } };
