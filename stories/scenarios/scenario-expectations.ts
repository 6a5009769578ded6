import { expect, waitFor, within } from 'storybook/test';
import { containsInOrder, recordBadgeStatuses, type BadgeStatusRecorder } from './badge-status-recorder.ts';
import { TRANSITION_TIMEOUT_MS } from './scenario-timing.ts';

/** For findBy* and waitFor in scenario play functions. */
export const SCENARIO_WAIT = { timeout: TRANSITION_TIMEOUT_MS, interval: 25 } as const;
const WAIT = SCENARIO_WAIT;

/** The badge of the device named `device` (a scenario kit's section), or of the only one. */
export async function findBadge(root: HTMLElement, device?: string): Promise<HTMLElement> {
  const scope = device === undefined ? within(root) : within(await within(root).findByRole('region', { name: device }));
  return scope.findByRole('button', { name: /^Remote DB/ }, WAIT);
}

export async function watchBadge(root: HTMLElement, device?: string): Promise<{ badge: HTMLElement; recorder: BadgeStatusRecorder }> {
  const badge = await findBadge(root, device);
  return { badge, recorder: recordBadgeStatuses(badge) };
}

/** Waits until the badge shows `status` (and, when given, that many pending changes). */
export async function expectBadge(badge: HTMLElement, status: string, pending?: number): Promise<void> {
  await waitFor(() => {
    expect(badge).toHaveAttribute('data-status', status);
    if (pending !== undefined) expect(badge).toHaveAttribute('data-pending', String(pending));
  }, WAIT);
}

/** Waits until the badge has shown these statuses in this order (others may come between). */
export async function expectStatusesInOrder(recorder: BadgeStatusRecorder, expected: readonly string[]): Promise<void> {
  await waitFor(() => {
    if (!containsInOrder(recorder.seen, expected)) {
      throw new Error(`the badge showed ${recorder.seen.join(' -> ')}; expected ${expected.join(' -> ')} in that order`);
    }
  }, WAIT);
}

/** Waits until the table of the device's local books holds `count` books. */
export async function expectBookCount(root: HTMLElement, count: number, device?: string): Promise<void> {
  const scope = device === undefined ? root : await within(root).findByRole('region', { name: device }, WAIT);
  await waitFor(() => expect(scope.querySelector('table')).toHaveAttribute('data-count', String(count)), WAIT);
}

/**
 * The end state has no dialog or popover, not even one still leaving: the
 * screenshot then frames the story alone, the same picture every run.
 */
export async function expectNoOverlay(): Promise<void> {
  await waitFor(() => expect(document.querySelector('[role="dialog"], .greenlight-overlay, [data-radix-popper-content-wrapper]')).toBeNull(), WAIT);
}
