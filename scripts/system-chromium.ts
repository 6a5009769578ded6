/**
 * The Chromium every browser test launches: the system one by default
 * (Playwright's own browsers cannot be downloaded everywhere); a user with
 * Playwright's bundled browser points GREENLIGHT_CHROMIUM elsewhere.
 */
export const CHROMIUM_PATH = process.env['GREENLIGHT_CHROMIUM'] ?? '/usr/bin/chromium';

/** Root needs --no-sandbox; the rest keep Chromium off a closed network. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];
