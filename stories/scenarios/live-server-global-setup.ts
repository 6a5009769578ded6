/**
 * Vitest global setup of the storybook project (Node): gives the Live story a real
 * sync server. One already running on the default port (`npm start`) is reused,
 * with a database name of its own so leftover data never reaches the screenshot;
 * otherwise a server is started there on a temporary folder and removed after.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { LIVE_STORY_ORIGINS, STORY_TEST_PAGE_PORT } from '../../scripts/dev-origins.ts';
import { loadSchemaFile, startSyncServer } from '../../engine/server/node-sync-server.ts';
import { DEFAULT_LIVE_DATABASE, DEFAULT_LIVE_SERVER_URL, liveServerAnswers } from './live-server-config.ts';

interface ProvidedLiveServer {
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly database: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    greenlightLiveServer: ProvidedLiveServer;
  }
}

// The Live story's screenshot shows the server's address, so the run uses the default port.
const PORT = Number(new URL(DEFAULT_LIVE_SERVER_URL).port);

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (await liveServerAnswers(DEFAULT_LIVE_SERVER_URL)) {
    await requireStoryPageAllowed(DEFAULT_LIVE_SERVER_URL);
    project.provide('greenlightLiveServer', {
      httpUrl: DEFAULT_LIVE_SERVER_URL,
      wsUrl: `ws://${new URL(DEFAULT_LIVE_SERVER_URL).host}/sync`,
      database: `storybook-run-${Date.now().toString(36)}`,
    });
    return undefined;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'greenlight-live-story-'));
  try {
    const schema = await loadSchemaFile(fileURLToPath(new URL('../../server/schema.sql', import.meta.url)));
    const server = await startSyncServer({ dataDir, schema, port: PORT, allowExec: true, corsOrigins: LIVE_STORY_ORIGINS });
    project.provide('greenlightLiveServer', { httpUrl: server.httpUrl, wsUrl: server.wsUrl, database: DEFAULT_LIVE_DATABASE });
    return async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(`the Live story needs port ${PORT} for a sync server, and it is taken by something that is not one`, { cause: error });
  }
}

/**
 * A server found running must let the story page's origin in, or the story would
 * fail on a refused connection instead of saying why. `npm start` allows it.
 */
async function requireStoryPageAllowed(httpUrl: string): Promise<void> {
  const origin = `http://localhost:${STORY_TEST_PAGE_PORT}`;
  const response = await fetch(`${httpUrl}/health`, { headers: { origin }, signal: AbortSignal.timeout(2_000) });
  if (response.headers.get('access-control-allow-origin') !== origin) {
    throw new Error(`the sync server running at ${httpUrl} does not allow the story test page (${origin}); stop it, or start it with npm start, which does`);
  }
}
