import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, within } from 'storybook/test';
import { closeMockScenario, mockScenarioLoader, mockScenarioOf } from './mock-scenario.ts';
import { PlaygroundControls } from './playground-controls.tsx';
import { ScenarioKit } from './scenario-kit.tsx';
import { expectBadge, expectBookCount, expectNoOverlay, expectStatusesInOrder, SCENARIO_WAIT, watchBadge } from './scenario-expectations.ts';
import { scenarioParameters } from './scenario-parameters.ts';

/**
 * A live client against the mock server with every fault on a switch. The client
 * starts as the story loads, so it runs whether or not the play function does.
 */
const meta = {
  title: 'Scenarios/Playground',
  render: (_args, context) => {
    const scenario = mockScenarioOf(context);
    return (
      <ScenarioKit scenario={scenario.local} device="This device">
        <PlaygroundControls scenario={scenario} />
      </ScenarioKit>
    );
  },
  loaders: [mockScenarioLoader({ seedBooks: { count: 5 }, start: true })],
  beforeEach: closeMockScenario,
  parameters: scenarioParameters('640px'),
} satisfies Meta;

export default meta;
type Story = StoryObj<typeof meta>;

export const Playground: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const { badge, recorder } = await watchBadge(canvasElement);
    await expectBadge(badge, 'synced', 0);
    await expectBookCount(canvasElement, 5);

    await userEvent.click(canvas.getByRole('button', { name: 'Server change' }));
    await expect(await canvas.findByText('Server book 1', {}, SCENARIO_WAIT)).toBeVisible();
    await expectBookCount(canvasElement, 6);

    await userEvent.click(canvas.getByRole('checkbox', { name: 'Device online' }));
    await expectBadge(badge, 'disconnected');
    await expect(badge).toHaveTextContent('offline');
    await userEvent.click(canvas.getByRole('checkbox', { name: 'Device online' }));
    await expectBadge(badge, 'synced', 0);
    await expectStatusesInOrder(recorder, ['synced', 'disconnected', 'synced']);
    await expectNoOverlay();
  },
};
