import { afterEach, expect, inject } from 'vitest';
import { page } from 'vitest/browser';
import { freezeLiveViews } from '../stories/scenarios/live-scenario-freezer.ts';
import { setLiveServerForTestRun } from '../stories/scenarios/live-server-config.ts';

// The real sync server the project's global setup started (or found) for the Live story.
setLiveServerForTestRun(inject('greenlightLiveServer'));

interface StoryOnContext {
  readonly story?: { readonly parameters: Record<string, unknown> };
}

/**
 * Every story is compared with its committed baseline in __screenshots__/ after it
 * has rendered, played and passed axe. Dialogs and popovers portal out of the story,
 * so while one is open the whole page is captured; otherwise only the story's frame.
 */
afterEach(async (context) => {
  // A story that already failed (render, play or axe) has no picture worth keeping.
  if (context.task.result?.state === 'fail' || (context.task.result?.errors?.length ?? 0) > 0) return;
  const story = (context as StoryOnContext).story;
  if (story === undefined) return;
  // Live scenarios keep running; capture the end state their play function asserted.
  freezeLiveViews();
  const overlayOpen = document.querySelector('.greenlight-overlay, [data-radix-popper-content-wrapper]') !== null;
  const wholePage = story.parameters['screenshot'] === 'page' || overlayOpen;
  const target = wholePage ? document.body : document.querySelector<HTMLElement>('[data-screenshot-root]');
  if (target === null) throw new Error('The story rendered no [data-screenshot-root] frame to capture.');
  await expect.element(page.elementLocator(target)).toMatchScreenshot();
});
