import type { Decorator, Preview } from '@storybook/react-vite';
import { useLayoutEffect, type ReactNode } from 'react';
import '../components/greenlight.css';
import './preview.css';
import { pinnedFontsLoaded } from './pinned-fonts.ts';

type Theme = 'light' | 'dark';

/**
 * Sets the theme on <html> as well as on the story's frame, because dialogs and
 * popovers portal into <body> and would otherwise miss it. Animation is off unless a
 * story asks for it, so every render is the same picture.
 */
function StoryFrame({ theme, motion, children }: { theme: Theme; motion: 'on' | 'off'; children: ReactNode }) {
  useLayoutEffect(() => {
    const root = document.documentElement;
    root.dataset.greenlightTheme = theme;
    root.dataset.greenlightMotion = motion;
    return () => {
      delete root.dataset.greenlightTheme;
      delete root.dataset.greenlightMotion;
    };
  }, [theme, motion]);
  return (
    <div className="greenlight-story-frame" data-greenlight-theme={theme} data-screenshot-root="">
      {children}
    </div>
  );
}

const withStoryFrame: Decorator = (Story, context) => (
  <StoryFrame
    theme={context.globals['theme'] === 'dark' ? 'dark' : 'light'}
    motion={context.parameters['greenlight']?.motion === 'on' ? 'on' : 'off'}
  >
    <Story />
  </StoryFrame>
);

const preview: Preview = {
  decorators: [withStoryFrame],
  // A story renders once its fonts are here, so no one sees (or captures) the fallback.
  loaders: [async () => (await pinnedFontsLoaded(), {})],
  globalTypes: {
    theme: {
      description: 'Greenlight colour theme',
      toolbar: { title: 'Theme', icon: 'mirror', items: ['light', 'dark'], dynamicTitle: true },
    },
  },
  initialGlobals: { theme: 'light' },
  parameters: {
    layout: 'fullscreen',
    // Docs show each story's CSF code. Storybook's dynamic snippets serialise the
    // props of what a story renders, and a live scenario's props hold a whole
    // engine (a wasm heap, sockets, timers): serialising them hangs the tab.
    docs: { source: { type: 'code' } },
    a11y: { test: 'error' },
    // Sheets of dialogs need more room than Storybook's 1200x900 test frame; this
    // still fits inside the 1600x1200 page Vitest opens.
    viewport: {
      options: { sheet: { name: 'Review sheet', styles: { width: '1560px', height: '1160px' }, type: 'desktop' } },
    },
    controls: { matchers: { date: /(At|Date|now)$/ } },
  },
};

export default preview;
