import type { Meta, StoryContext, StoryObj } from '@storybook/react-vite';
import { expect, screen, userEvent, waitFor, within } from 'storybook/test';
import { isGreen } from '../../engine/client/sync-status.ts';
import { closeMockScenario, mockScenarioLoader, mockScenarioOf } from './mock-scenario.ts';
import { ScenarioKit } from './scenario-kit.tsx';
import { expectBadge, expectBookCount, expectNoOverlay, expectStatusesInOrder, SCENARIO_WAIT, watchBadge } from './scenario-expectations.ts';
import { sellOneCopyEach } from './local-books.ts';
import { DATABASE, seedServerBooks } from './server-books.ts';
import { BOOKSHOP_SCHEMA } from './bookshop-schema.ts';
import { scenarioParameters } from './scenario-parameters.ts';

/**
 * Live scenarios: a real sync client on an in-browser cr-sqlite database, the
 * kit's connected components, and the real server core in the page (the mock
 * backend), driven by each story's play function. Every story loads its own
 * backend and client and tears them down before the next one.
 */
const meta = {
  title: 'Scenarios/Mock server',
  render: (_args, context) => <ScenarioKit scenario={mockScenarioOf(context).local} device="This device" />,
  beforeEach: closeMockScenario,
  parameters: scenarioParameters('520px'),
} satisfies Meta;

export default meta;
type Story = StoryObj<typeof meta>;

/** The popover explains why; reading it there is what a user would do. */
async function expectStuckReason(badge: HTMLElement, reason: string): Promise<void> {
  await userEvent.click(badge);
  await expect(await screen.findByText(reason, {}, SCENARIO_WAIT)).toBeVisible();
  await userEvent.keyboard('{Escape}');
  await waitFor(() => expect(screen.queryByText(reason)).toBeNull(), SCENARIO_WAIT);
}

/** The story's scenario and its badge, recorded from before the client starts. */
async function watchScenario(context: StoryContext) {
  const root = context.canvasElement;
  return { ...mockScenarioOf(context), root, ...(await watchBadge(root)) };
}

/** Where most stories begin: the client started and the badge green with nothing pending. */
async function startSynced(context: StoryContext) {
  const scenario = await watchScenario(context);
  scenario.local.client.start();
  await expectBadge(scenario.badge, 'synced', 0);
  return scenario;
}

/** 40 books wait on the server; a 100 ms link and a slow downlink keep each step on screen. */
export const HealthyStart: Story = {
  loaders: [mockScenarioLoader({ seedBooks: { count: 40, perCommit: 10 }, pacedMs: 100 })],
  play: async (context) => {
    const { backend, local, root, badge, recorder } = await watchScenario(context);
    await expectBadge(badge, 'idle');
    await expectBookCount(root, 0);

    backend.faults.latency(100);
    local.client.start();
    await expectStatusesInOrder(recorder, ['idle', 'connecting', 'catching-up', 'synced']);
    await expectBadge(badge, 'synced', 0);
    await expectBookCount(root, 40);
    await expectNoOverlay();
  },
};

export const PendingWhileServerDown: Story = {
  loaders: [mockScenarioLoader({ seedBooks: { count: 10 } })],
  play: async (context) => {
    const { backend, local, badge, recorder } = await startSynced(context);

    backend.faults.serverDown();
    await expectBadge(badge, 'disconnected');
    sellOneCopyEach(local.connection, ['book-0001', 'book-0002', 'book-0003']);
    await expectBadge(badge, 'disconnected', 3);
    await expect(badge).toHaveTextContent('Remote DB (3 pending)');

    // The server holds its acks for a moment, so the short `syncing` step (sent,
    // not yet confirmed) stays on screen long enough to be seen, not only recorded.
    backend.faults.stallAcks();
    backend.faults.serverUp();
    await expectBadge(badge, 'syncing', 3);
    backend.faults.releaseAcks();
    await expectBadge(badge, 'synced', 0);
    await expectStatusesInOrder(recorder, ['synced', 'disconnected', 'syncing', 'synced']);
    const onServer = await backend.exec(DATABASE, "SELECT stock FROM books WHERE id IN ('book-0001', 'book-0002', 'book-0003')");
    await expect(onServer.rows).toEqual([[2], [2], [2]]);
    await expectNoOverlay();
  },
};

/**
 * The server's database is rebuilt (new identity) while this device holds two
 * unsaved sales. The kit offers their export, then a fresh download.
 */
export const ServerRebuilt: Story = {
  loaders: [mockScenarioLoader({ seedBooks: { count: 20 }, pacedMs: 60 })],
  play: async (context) => {
    const { backend, local, root, badge, recorder } = await startSynced(context);
    await expectBookCount(root, 20);

    backend.faults.serverDown();
    await expectBadge(badge, 'disconnected');
    sellOneCopyEach(local.connection, ['book-0001', 'book-0002']);
    await expectBadge(badge, 'disconnected', 2);
    await backend.rebuild(DATABASE);
    await seedServerBooks(backend, { count: 30, perCommit: 5, edition: 'Rebuilt' });
    backend.faults.serverUp();

    await expectBadge(badge, 'incompatible');
    const dialog = await screen.findByRole('dialog', { name: 'This device can no longer sync' }, SCENARIO_WAIT);
    const inDialog = within(dialog);
    await expect(dialog).toHaveTextContent('The server’s database was rebuilt');
    await expect(dialog).toHaveTextContent('2 local changes (in 2 rows) have not reached the server.');
    await userEvent.click(inDialog.getByRole('button', { name: 'Export unsynced changes' }));
    await expect(await inDialog.findByText('The unsynced changes were saved as a file.', {}, SCENARIO_WAIT)).toBeVisible();

    await userEvent.click(inDialog.getByRole('button', { name: 'Nuke and Resync…' }));
    const confirm = await screen.findByRole('dialog', { name: 'Delete this device’s copy?' }, SCENARIO_WAIT);
    await expect(confirm).toHaveTextContent('2 unsynced changes will be lost.');
    await userEvent.click(within(confirm).getByRole('button', { name: 'Delete and download again' }));

    await expectStatusesInOrder(recorder, ['synced', 'disconnected', 'incompatible', 'catching-up', 'synced']);
    await expectBadge(badge, 'synced', 0);
    await expectNoOverlay();
    await expectBookCount(root, 30);
    await expect(within(root).getByText('Rebuilt 30')).toBeVisible();
  },
};

export const SchemaChanged: Story = {
  loaders: [mockScenarioLoader({ seedBooks: { count: 5 } })],
  play: async (context) => {
    const { backend, badge } = await startSynced(context);

    await backend.changeSchema({
      version: BOOKSHOP_SCHEMA.version + 1,
      migration: "CREATE TABLE authors (id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL DEFAULT ''); SELECT crsql_as_crr('authors');",
    });
    await expectBadge(badge, 'incompatible');
    const dialog = await screen.findByRole('dialog', { name: 'This device can no longer sync' }, SCENARIO_WAIT);
    await expect(dialog).toHaveTextContent('This device stores the data in a different layout than the server');
    await expect(dialog).toHaveTextContent('All your changes have reached the server, so nothing will be lost.');
  },
};

export const FlappingServer: Story = {
  loaders: [mockScenarioLoader({ seedBooks: { count: 5 } })],
  play: async (context) => {
    const { backend, badge, recorder } = await startSynced(context);

    backend.faults.flap();
    await expectBadge(badge, 'stuck');
    await expectStuckReason(badge, 'The connection to the server keeps dropping right after it opens.');
    await expectStatusesInOrder(recorder, ['synced', 'stuck']);
    await expect(recorder.seen).not.toContain('incompatible');
    await expectNoOverlay();
  },
};

export const StalledAcks: Story = {
  loaders: [mockScenarioLoader({ seedBooks: { count: 5 } })],
  play: async (context) => {
    const { backend, root, badge, recorder } = await startSynced(context);

    backend.faults.stallAcks();
    // A new book writes four columns: four changes, one row.
    await userEvent.click(within(root).getByRole('button', { name: 'Add a book' }));
    await expectBadge(badge, 'stuck', 4);
    await expectStuckReason(badge, 'The server has stopped confirming that it saved your changes.');

    backend.faults.releaseAcks();
    await expectBadge(badge, 'synced', 0);
    await expectStatusesInOrder(recorder, ['synced', 'syncing', 'stuck', 'synced']);
    await expectBookCount(root, 6);
    await expectNoOverlay();
  },
};

/** The link goes silent without closing (a dead NAT entry): never green, and back once it heals. */
export const HalfOpen: Story = {
  loaders: [mockScenarioLoader({ seedBooks: { count: 5 } })],
  play: async (context) => {
    const { backend, local, badge, recorder } = await startSynced(context);

    backend.faults.halfOpen();
    await waitFor(() => expect(isGreen(local.client.getSnapshot().status)).toBe(false), SCENARIO_WAIT);
    await waitFor(() => expect(['synced', 'syncing']).not.toContain(badge.getAttribute('data-status')), SCENARIO_WAIT);

    backend.faults.endHalfOpen();
    await expectBadge(badge, 'synced', 0);
    const afterGreen = recorder.seen.slice(recorder.seen.indexOf('synced') + 1, recorder.seen.lastIndexOf('synced'));
    await expect(afterGreen.length).toBeGreaterThan(0);
    await expect(afterGreen.every((status) => status !== 'syncing')).toBe(true);
    await expectNoOverlay();
  },
};

/**
 * 5,000 books in 25 commits wait on the server; the downlink delivers one batch
 * every 150 ms, so the progress dialog has time to measure a rate and an ETA.
 */
export const Backlog5000Rows: Story = {
  loaders: [mockScenarioLoader({ seedBooks: { count: 5_000, perCommit: 200 }, pacedMs: 150 })],
  play: async (context) => {
    const { local, root, badge, recorder } = await watchScenario(context);
    local.client.start();

    const dialog = await screen.findByRole('dialog', { name: 'Downloading changes' }, SCENARIO_WAIT);
    await waitFor(() => {
      expect(dialog).toHaveTextContent(/of 5,000 rows/);
      expect(dialog).toHaveTextContent(/of 20,000 changes/);
      expect(dialog).toHaveTextContent(/[\d.]+ (B|kB|MB) of [\d.]+ (kB|MB)/);
      expect(dialog).toHaveTextContent(/about [\d\s\w]+ left/);
    }, SCENARIO_WAIT);

    await expectBadge(badge, 'synced', 0);
    await expectStatusesInOrder(recorder, ['idle', 'connecting', 'catching-up', 'synced']);
    // The dialog closes with the download, so the end state shows no rate or ETA.
    await expectNoOverlay();
    await expectBookCount(root, 5_000);
  },
};
