import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SyncProgress } from '../engine/client/sync-status.ts';
import { PROGRESS_MIDWAY } from '../stories/sync-fixtures.ts';
import { SyncProgressDialogView } from './sync-progress-dialog-view.tsx';

// The Midway story's download: this test and that story's play function check the same numbers.
const progress = PROGRESS_MIDWAY;
const finished: SyncProgress = { ...progress, changesDone: progress.changesTotal, etaMs: 0, finishedAt: progress.startedAt + 300 };

function leaveRequested(): boolean {
  const event = new Event('beforeunload', { cancelable: true });
  window.dispatchEvent(event);
  return event.defaultPrevented;
}

describe('SyncProgressDialogView timing', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('stays hidden for a sync shorter than delayMs, so nothing flashes', () => {
    const onOpenChange = vi.fn();
    const view = render(<SyncProgressDialogView progress={progress} onOpenChange={onOpenChange} />);
    act(() => vi.advanceTimersByTime(399));
    expect(screen.queryByRole('dialog')).toBeNull();

    view.rerender(<SyncProgressDialogView progress={null} onOpenChange={onOpenChange} />);
    act(() => vi.advanceTimersByTime(1_000));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(onOpenChange).not.toHaveBeenCalled();
  });

  it('does not open for a sync that finished before delayMs, though its full bar lingers past it', () => {
    const view = render(<SyncProgressDialogView progress={progress} />);
    act(() => vi.advanceTimersByTime(300));
    view.rerender(<SyncProgressDialogView progress={finished} />);
    act(() => vi.advanceTimersByTime(1_000));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('says done, not a time left, once the download has finished', () => {
    render(<SyncProgressDialogView progress={finished} open />);
    expect(screen.getByText('done')).toBeTruthy();
    expect(screen.queryByText(/left$/)).toBeNull();
  });

  it('opens once a sync has lasted delayMs and closes when it ends', () => {
    const onOpenChange = vi.fn();
    const view = render(<SyncProgressDialogView progress={progress} delayMs={250} onOpenChange={onOpenChange} />);
    act(() => vi.advanceTimersByTime(250));
    expect(screen.getByRole('dialog', { name: 'Downloading changes' })).toBeTruthy();
    expect(onOpenChange).toHaveBeenLastCalledWith(true);
    expect(leaveRequested()).toBe(true);

    view.rerender(<SyncProgressDialogView progress={null} delayMs={250} onOpenChange={onOpenChange} />);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(onOpenChange).toHaveBeenLastCalledWith(false);
    expect(leaveRequested()).toBe(false);
  });

  it('lets a controlling parent decide, and tells it when the delay has passed', () => {
    const onOpenChange = vi.fn();
    render(<SyncProgressDialogView progress={progress} open={false} onOpenChange={onOpenChange} />);
    act(() => vi.advanceTimersByTime(400));
    expect(onOpenChange).toHaveBeenCalledWith(true);
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});

describe('SyncProgressDialogView content', () => {
  it('shows bytes, changes, rows, rate and time left in human units', () => {
    render(<SyncProgressDialogView progress={progress} open />);
    const bar = screen.getByRole('progressbar', { name: 'Download progress' });
    expect(bar.getAttribute('aria-valuenow')).toBe('25');
    expect(bar.getAttribute('aria-valuemin')).toBe('0');
    expect(bar.getAttribute('aria-valuemax')).toBe('100');
    for (const text of [
      '25%',
      '1.2 MB of 4.8 MB',
      '13,078 of 52,310 changes',
      '5,100 of 20,400 rows',
      '3,270 changes/s',
      'about 12 s left',
      'Please keep this tab open until the download finishes.',
    ]) {
      expect(screen.getByText(text)).toBeTruthy();
    }
  });

  it('says it is still estimating before a rate is known', () => {
    render(<SyncProgressDialogView progress={{ ...progress, changesPerSecond: null, etaMs: null }} open />);
    expect(screen.getByText('measuring speed…')).toBeTruthy();
    expect(screen.getByText('estimating time left…')).toBeTruthy();
  });

  it('hides on Escape while the sync carries on, and drops the leave guard', async () => {
    const user = userEvent.setup();
    render(<SyncProgressDialogView progress={progress} defaultOpen />);
    expect(leaveRequested()).toBe(true);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(leaveRequested()).toBe(false);
  });
});
