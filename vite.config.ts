import { storybookTest } from '@storybook/addon-vitest/vitest-plugin';
import react from '@vitejs/plugin-react';
import { playwright } from '@vitest/browser-playwright';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { STORY_TEST_PAGE_PORT } from './scripts/dev-origins.ts';
import { CHROMIUM_ARGS, describeTestChromium, resolveTestChromium, type TestChromium } from './scripts/test-chromium.ts';

// Larger than Storybook's 1200x900 test frame, or screenshots come out scaled.
const PAGE_VIEWPORT = { width: 1600, height: 1200 } as const;

// Only a test run needs the browser; Storybook's dev server reads this config too.
// Vitest evaluates this file once per project; the browser is resolved and named once.
const testChromium: TestChromium | null = process.env['VITEST'] === undefined ? null : await onceTestChromium();

async function onceTestChromium(): Promise<TestChromium> {
  const shared = globalThis as { greenlightTestChromium?: Promise<TestChromium> };
  shared.greenlightTestChromium ??= resolveTestChromium().then((browser) => (console.log(describeTestChromium(browser)), browser));
  return shared.greenlightTestChromium;
}

// A fresh object per project: two projects sharing one browser config are
// rejected as a duplicate project name.
function headlessChromium() {
  return {
    enabled: true,
    headless: true,
    provider: playwright({
      launchOptions: {
        ...(testChromium === null ? {} : { executablePath: testChromium.executablePath, env: { ...process.env, ...testChromium.env } }),
        args: [...CHROMIUM_ARGS],
      },
      contextOptions: { viewport: { ...PAGE_VIEWPORT }, deviceScaleFactor: 1 },
    }),
    instances: [{ browser: 'chromium' as const }],
    viewport: { ...PAGE_VIEWPORT },
  };
}

// Everything the browser tests import, bundled up front: when Vite discovers a
// dependency mid-run it re-bundles, and the page can end up with two copies of React.
const BROWSER_TEST_DEPENDENCIES = [
  'react',
  'react/jsx-dev-runtime',
  'react/jsx-runtime',
  'react-dom',
  'react-dom/client',
  'jotai',
  'jotai/utils',
  '@radix-ui/react-dialog',
  '@radix-ui/react-popover',
];

// The kit promises React 18 as well as 19. The components' tests run a second time
// with every import of react and react-dom (ours, Radix's, jotai's, Testing
// Library's) sent to the React 18 installed by `compat/react18/package.json`.
const REACT_18_MODULES = fileURLToPath(new URL('./compat/react18/node_modules/', import.meta.url));
const REACT_18_ALIASES = [
  { find: /^react(\/.*)?$/, replacement: `${REACT_18_MODULES}react$1` },
  { find: /^react-dom(\/.*)?$/, replacement: `${REACT_18_MODULES}react-dom$1` },
];

// One Vite config for Storybook and for every Vitest project. The engine's tests
// run in Node against real cr-sqlite and real sockets on loopback.
export default defineConfig({
  plugins: [react()],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'engine',
          environment: 'node',
          include: ['engine/**/*.test.ts', 'server/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        optimizeDeps: {
          include: [...BROWSER_TEST_DEPENDENCIES, '@testing-library/react', '@testing-library/user-event'],
        },
        test: {
          name: 'components',
          include: ['components/**/*.test.{ts,tsx}', 'state/**/*.test.{ts,tsx}'],
          setupFiles: ['components/test-setup.ts'],
          browser: { ...headlessChromium(), screenshotFailures: false },
        },
      },
      {
        extends: true,
        resolve: { alias: REACT_18_ALIASES },
        // Its own pre-bundle: the React 19 one must not be reused for React 18.
        cacheDir: 'node_modules/.vite/react18',
        optimizeDeps: {
          include: [...BROWSER_TEST_DEPENDENCIES, '@testing-library/react', '@testing-library/user-event'],
        },
        test: {
          name: 'components-react18',
          include: ['components/**/*.test.{ts,tsx}', 'state/**/*.test.{ts,tsx}', 'compat/react18/*.test.{ts,tsx}'],
          setupFiles: ['components/test-setup.ts'],
          browser: { ...headlessChromium(), screenshotFailures: false },
        },
      },
      {
        // The in-browser mock sync backend and the transport contract run against it.
        extends: true,
        // Found only when a test imports them; discovered mid-run, Vite reloads the page and the run fails.
        optimizeDeps: { include: ['mock-socket', 'msw', 'msw/browser', '@noble/hashes/sha2.js'] },
        test: {
          name: 'mocks',
          include: ['mocks/**/*.browser.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          // Nothing here is visual: a screenshot of a failure shows an empty page.
          browser: { ...headlessChromium(), screenshotFailures: false },
        },
      },
      {
        extends: true,
        plugins: [storybookTest({ configDir: '.storybook' })],
        // The scenario stories run the real engine and the mock server in the page.
        optimizeDeps: {
          include: [
            ...BROWSER_TEST_DEPENDENCIES,
            'storybook/test',
            'mock-socket',
            '@noble/hashes/sha2.js',
            '@vlcn.io/wa-sqlite/dist/crsqlite-sync.mjs',
          ],
        },
        test: {
          name: 'storybook',
          setupFiles: ['.storybook/vitest.setup.ts'],
          // A real sync server for the Live scenario story.
          globalSetup: ['stories/scenarios/live-server-global-setup.ts'],
          // One story file at a time: the live scenarios run heartbeat and ack windows
          // of about a second, which two cores shared between several files' frames stretch.
          fileParallelism: false,
          // A known page origin, which the Live story's sync server allows by name.
          browser: { ...headlessChromium(), api: { port: STORY_TEST_PAGE_PORT, strictPort: true } },
        },
      },
    ],
  },
});
