/** Where the Live story finds the real sync server. */
export interface LiveServer {
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly database: string;
  /** Set by the story test run, which starts (or reuses) a server and needs the story to reach it. */
  readonly fromTestRun: boolean;
}

/** What `npm start` serves: the sync server's default port and the demo database. */
export const DEFAULT_LIVE_SERVER_URL = 'http://127.0.0.1:8787';
export const DEFAULT_LIVE_DATABASE = 'bookshop';

let testRunServer: LiveServer | null = null;

/** Called by the story test setup with the server its global setup provided. */
export function setLiveServerForTestRun(server: { readonly httpUrl: string; readonly wsUrl: string; readonly database: string }): void {
  testRunServer = { ...server, fromTestRun: true };
}

/**
 * The test run's server, or else `STORYBOOK_GREENLIGHT_SERVER` (an http:// or ws://
 * base URL) and `STORYBOOK_GREENLIGHT_DATABASE`, or else what `npm start` serves.
 */
export function liveServer(): LiveServer {
  if (testRunServer !== null) return testRunServer;
  const env: Record<string, unknown> = import.meta.env;
  const configured = typeof env['STORYBOOK_GREENLIGHT_SERVER'] === 'string' ? env['STORYBOOK_GREENLIGHT_SERVER'] : '';
  const database = typeof env['STORYBOOK_GREENLIGHT_DATABASE'] === 'string' ? env['STORYBOOK_GREENLIGHT_DATABASE'] : '';
  const base = new URL(configured === '' ? DEFAULT_LIVE_SERVER_URL : configured);
  const secure = base.protocol === 'https:' || base.protocol === 'wss:';
  return {
    httpUrl: `${secure ? 'https' : 'http'}://${base.host}`,
    wsUrl: `${secure ? 'wss' : 'ws'}://${base.host}/sync`,
    database: database === '' ? DEFAULT_LIVE_DATABASE : database,
    fromTestRun: false,
  };
}

/** True when a Greenlight sync server answers `GET /health` within a couple of seconds. */
export async function liveServerAnswers(httpUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${httpUrl}/health`, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return false;
    const body: unknown = await response.json();
    return typeof body === 'object' && body !== null && 'ok' in body && body.ok === true;
  } catch {
    return false;
  }
}
