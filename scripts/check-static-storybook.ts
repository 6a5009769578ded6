/**
 * `npm run test:static-storybook`: builds the static Storybook and opens every
 * entry of it in Chromium, as a designer would. A story passes when Storybook
 * reports it completed (rendered and played) with no page error; a docs page when
 * it rendered with no page error. The Live story syncs with a real sync server
 * this script starts on a free port. The Vitest story run cannot catch what only
 * the real Storybook preview does (its snippet decorator once hung the tab on the
 * live scenarios), so this runs as part of `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright';
import { loadSchemaFile, startSyncServer, type RunningSyncServer } from '../engine/server/node-sync-server.ts';
import { CHROMIUM_ARGS, describeTestChromium, resolveTestChromium } from './test-chromium.ts';

/** Generous: a scenario's play function drives a live engine through several states. */
const ENTRY_TIMEOUT_MS = 30_000;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

interface IndexEntry {
  readonly id: string;
  readonly type: 'story' | 'docs';
  readonly title: string;
  readonly name: string;
}

function build(outputDir: string, liveServer: RunningSyncServer): void {
  const env = {
    ...process.env,
    STORYBOOK_GREENLIGHT_SERVER: liveServer.httpUrl,
    STORYBOOK_GREENLIGHT_DATABASE: 'static-storybook-check',
  };
  const result = spawnSync('node_modules/.bin/storybook', ['build', '--quiet', '-o', outputDir], { stdio: 'inherit', env });
  if (result.status !== 0) throw new Error(`storybook build failed (exit ${result.status})`);
}

function serve(root: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname));
    const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(root) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
    response.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Resolves with the phase a story's render ended in: completed, finished, errored or aborted. */
async function storyOutcome(page: Page): Promise<string> {
  const handle = await page.waitForFunction(
    () => {
      const preview = (window as { __STORYBOOK_PREVIEW__?: { currentRender?: { phase?: string } } }).__STORYBOOK_PREVIEW__;
      const phase = preview?.currentRender?.phase;
      return phase === 'completed' || phase === 'finished' || phase === 'errored' || phase === 'aborted' ? phase : false;
    },
    undefined,
    { timeout: ENTRY_TIMEOUT_MS },
  );
  return String(await handle.jsonValue());
}

/** Opens one entry; returns why it failed, or null. */
async function check(browser: Browser, baseUrl: string, entry: IndexEntry): Promise<string | null> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // A crashed renderer answers nothing more: fail at once instead of waiting out the timeout.
  const crashed = new Promise<string>((resolve) => page.once('crash', () => resolve('crashed')));
  // A renderer stuck in a loop cannot even run Playwright's own timeout.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stuck = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`stuck for ${ENTRY_TIMEOUT_MS / 1000} s`), ENTRY_TIMEOUT_MS + 5_000);
  });
  try {
    await page.goto(`${baseUrl}/iframe.html?id=${entry.id}&viewMode=${entry.type === 'docs' ? 'docs' : 'story'}`);
    const rendered =
      entry.type === 'story'
        ? storyOutcome(page)
        : page.waitForSelector('.sbdocs', { timeout: ENTRY_TIMEOUT_MS }).then(() => 'finished');
    const outcome = await Promise.race([rendered, crashed, stuck]);
    if (outcome !== 'completed' && outcome !== 'finished') return [`ended ${outcome}`, ...pageErrors].join('; ');
    if (pageErrors.length > 0) return pageErrors.join('; ');
    return null;
  } catch (error) {
    return [error instanceof Error ? error.message.split('\n')[0] : String(error), ...pageErrors].join('; ');
  } finally {
    clearTimeout(timer);
    await Promise.race([page.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5_000))]);
  }
}

async function main(): Promise<number> {
  const outputDir = mkdtempSync(join(tmpdir(), 'greenlight-storybook-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'greenlight-storybook-data-'));
  let liveServer: RunningSyncServer | null = null;
  let server: Server | null = null;
  let browser: Browser | null = null;
  try {
    // The static server first: the sync server allows its pages' origin, and only that.
    server = await serve(outputDir);
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    liveServer = await startSyncServer({ dataDir, schema: await loadSchemaFile('server/schema.sql'), port: 0, allowExec: true, corsOrigins: [baseUrl] });
    build(outputDir, liveServer);
    const index = JSON.parse(readFileSync(join(outputDir, 'index.json'), 'utf8')) as { entries: Record<string, IndexEntry> };
    const entries = Object.values(index.entries);
    const testChromium = await resolveTestChromium();
    console.log(describeTestChromium(testChromium));
    browser = await chromium.launch({
      executablePath: testChromium.executablePath,
      env: { ...process.env, ...testChromium.env },
      args: [...CHROMIUM_ARGS],
      headless: true,
    });
    let failed = 0;
    for (const entry of entries) {
      if (process.env['GREENLIGHT_VERBOSE'] === '1') console.log(`opening ${entry.id}`);
      const failure = await check(browser, baseUrl, entry);
      if (failure !== null) {
        failed += 1;
        console.error(`FAIL ${entry.title} / ${entry.name} (${entry.id}): ${failure}`);
      }
    }
    console.log(`static storybook: ${entries.length - failed} of ${entries.length} entries rendered`);
    return failed === 0 ? 0 : 1;
  } finally {
    await browser?.close();
    server?.close();
    await liveServer?.close();
    rmSync(outputDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
