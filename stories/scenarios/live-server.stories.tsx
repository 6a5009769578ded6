import type { Meta, StoryContext, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, within } from 'storybook/test';
import { createGlobalWebSocket } from '../../engine/client/websocket-like.ts';
import { BOOKSHOP_SCHEMA } from './bookshop-schema.ts';
import { liveServer, liveServerAnswers, type LiveServer } from './live-server-config.ts';
import { openScenarioClient, type ScenarioClient } from './scenario-client.ts';
import { ScenarioKit } from './scenario-kit.tsx';
import { scenarioParameters } from './scenario-parameters.ts';
import { expectBadge, expectBookCount, expectNoOverlay, SCENARIO_WAIT, watchBadge } from './scenario-expectations.ts';

type Live =
  | { readonly kind: 'not-running'; readonly server: LiveServer }
  | { readonly kind: 'connected'; readonly server: LiveServer; readonly local: ScenarioClient };

function liveOf(context: Pick<StoryContext, 'loaded'>): Live {
  const live: unknown = context.loaded['live'];
  if (typeof live !== 'object' || live === null || !('kind' in live)) throw new Error('the Live story loader did not run');
  return live as Live;
}

function LiveView({ live }: { readonly live: Live }) {
  if (live.kind === 'not-running') {
    return (
      <p className="greenlight-scenario__notice" role="alert">
        The sync server is not running: nothing answers at <code>{live.server.httpUrl}/health</code>. Start it with{' '}
        <code>npm start</code> (the server and Storybook) or{' '}
        <code>npm run server -- --cors-origin http://localhost:6006,http://127.0.0.1:6006</code>, then reload this
        story. A server that was not told this page&apos;s origin with <code>--cors-origin</code> refuses it and looks
        the same from here. To use another server, set <code>STORYBOOK_GREENLIGHT_SERVER</code>.
      </p>
    );
  }
  return (
    <ScenarioKit scenario={live.local} device="This browser">
      <p className="greenlight-scenario__note">
        Live: a real client in this page, syncing with the real server at <code>{live.server.wsUrl}</code>.
      </p>
    </ScenarioKit>
  );
}

/**
 * The kit against the real sync server that `npm start` runs (not a mock): the
 * bookshop schema, over a real WebSocket. When no server answers, it says so.
 */
const meta = {
  title: 'Scenarios/Live server',
  render: (_args, context) => <LiveView live={liveOf(context)} />,
  parameters: scenarioParameters('480px'),
  loaders: [
    async (): Promise<{ live: Live }> => {
      const server = liveServer();
      if (!(await liveServerAnswers(server.httpUrl))) return { live: { kind: 'not-running', server } };
      const local = await openScenarioClient({
        url: server.wsUrl,
        createWebSocket: createGlobalWebSocket,
        database: server.database,
        schema: BOOKSHOP_SCHEMA,
      });
      local.client.start();
      return { live: { kind: 'connected', server, local } };
    },
  ],
  beforeEach: (context) => {
    const live = liveOf(context);
    return async () => {
      if (live.kind === 'connected') await live.local.close();
    };
  },
} satisfies Meta;

export default meta;
type Story = StoryObj<typeof meta>;

export const Live: Story = {
  play: async (context) => {
    const live = liveOf(context);
    const canvas = within(context.canvasElement);
    if (live.kind === 'not-running') {
      // The test run always provides a server; only a person opening the story may have none.
      await expect(live.server.fromTestRun).toBe(false);
      await expect(await canvas.findByRole('alert')).toHaveTextContent('The sync server is not running');
      return;
    }
    const { badge } = await watchBadge(context.canvasElement);
    await expectBadge(badge, 'synced', 0);
    const before = Number(context.canvasElement.querySelector('table')?.getAttribute('data-count'));
    await userEvent.click(canvas.getByRole('button', { name: 'Add a book' }));
    await expectBookCount(context.canvasElement, before + 1);
    // Green again with nothing pending: the real server acknowledged the durable commit.
    await expectBadge(badge, 'synced', 0);
    await expect(await canvas.findByText(`This browser book ${before + 1}`, {}, SCENARIO_WAIT)).toBeVisible();
    await expectNoOverlay();
  },
};
