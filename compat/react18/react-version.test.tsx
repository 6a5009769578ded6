import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { version as reactVersion } from 'react';
import { version as reactDomVersion } from 'react-dom';
import { describe, expect, it } from 'vitest';
import { RemoteDbBadgeView } from '../../components/index.ts';

// Guards the alias in vite.config.ts: if it stopped applying, this project
// would quietly run the component tests under React 19 a second time.
describe('the components-react18 project', () => {
  it('runs React and ReactDOM 18', () => {
    expect(reactVersion).toMatch(/^18\./);
    expect(reactDomVersion).toBe(reactVersion);
  });

  it('opens a Radix popover, which needs Radix and the kit on one React', async () => {
    render(<RemoteDbBadgeView status={{ status: 'synced', pending: { changes: 0, rows: 0 }, lastSyncedAt: 0 }} now={0} />);
    await userEvent.click(screen.getByRole('button', { name: 'Remote DB' }));
    expect(await screen.findByRole('dialog')).toBeVisible();
  });
});
