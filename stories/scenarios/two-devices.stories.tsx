import type { Meta, StoryObj } from '@storybook/react-vite';
import { userEvent, within } from 'storybook/test';
import { closeMockScenario, mockScenarioLoader, mockScenarioOf } from './mock-scenario.ts';
import { ScenarioKit } from './scenario-kit.tsx';
import { expectBadge, expectBookCount, expectNoOverlay, findBadge, SCENARIO_WAIT } from './scenario-expectations.ts';
import { scenarioParameters } from './scenario-parameters.ts';

/** Two devices on one mock server, side by side: what one writes, the other shows. */
const meta = {
  title: 'Scenarios/Two devices',
  render: (_args, context) => (
    <div className="greenlight-scenario-row">
      {mockScenarioOf(context).devices.map(({ name, local }) => (
        <ScenarioKit key={name} scenario={local} device={name} />
      ))}
    </div>
  ),
  loaders: [mockScenarioLoader({ devices: ['Laptop', 'Phone'], seedBooks: { count: 3 } })],
  beforeEach: closeMockScenario,
  parameters: scenarioParameters('420px'),
} satisfies Meta;

export default meta;
type Story = StoryObj<typeof meta>;

export const ChangesFlowBothWays: Story = {
  play: async (context) => {
    const root = context.canvasElement;
    for (const { local } of mockScenarioOf(context).devices) local.client.start();
    const laptop = await findBadge(root, 'Laptop');
    const phone = await findBadge(root, 'Phone');
    await expectBadge(laptop, 'synced', 0);
    await expectBadge(phone, 'synced', 0);
    await expectBookCount(root, 3, 'Phone');

    const laptopPanel = within(root).getByRole('region', { name: 'Laptop' });
    const phonePanel = within(root).getByRole('region', { name: 'Phone' });
    await userEvent.click(within(laptopPanel).getByRole('button', { name: 'Add a book' }));
    await expectBookCount(root, 4, 'Phone');
    await within(phonePanel).findByText('Laptop book 1', {}, SCENARIO_WAIT);

    await userEvent.click(within(phonePanel).getByRole('button', { name: 'Add a book' }));
    await expectBookCount(root, 5, 'Laptop');
    await within(laptopPanel).findByText('Phone book 1', {}, SCENARIO_WAIT);
    await expectBadge(laptop, 'synced', 0);
    await expectBadge(phone, 'synced', 0);
    await expectNoOverlay();
  },
};
