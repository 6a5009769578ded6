import { afterEach, expect, inject } from 'vitest';
import { page } from 'vitest/browser';
import { unpinnedFontUse } from './unpinned-font-use.ts';
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
  // A text in a system font would make the picture depend on the machine that took it.
  const unpinned = unpinnedFontUse(target);
  if (unpinned !== null) throw new Error(`Screenshot would use a system font: ${unpinned}`);
  // The browser and fonts are pinned, so a picture differs run to run only where the
  // rasteriser rounds an anti-aliased corner one level up or down. A tenth of
  // pixelmatch's default colour tolerance absorbs that and still fails a colour
  // moved by a few levels in one channel (#1f9d4c to #1f9d55 fails).
  await expect.element(page.elementLocator(target)).toMatchScreenshot({
    comparatorName: 'pixelmatch',
    comparatorOptions: { threshold: 0.01 },
  });
});
