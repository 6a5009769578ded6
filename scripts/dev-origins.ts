/**
 * The web pages that open the Live story against a local sync server, named in
 * one place so the server can allow exactly them (`--cors-origin`) and no other
 * page the developer visits can reach it.
 */

/** Storybook's dev server (`npm start`, `npm run storybook`). */
export const STORYBOOK_PORT = 6006;

/**
 * The page the storybook test project runs stories in (Vitest browser mode). Fixed
 * and strict in vite.config.ts: Vitest would otherwise pick the next free port,
 * an origin the sync server could not know in advance.
 */
export const STORY_TEST_PAGE_PORT = 63_390;

/** A page on this machine at `port`, by either of the names a browser may use. */
export function loopbackOrigins(port: number): string[] {
  return [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
}

export const LIVE_STORY_ORIGINS: readonly string[] = [...loopbackOrigins(STORYBOOK_PORT), ...loopbackOrigins(STORY_TEST_PAGE_PORT)];
