import { readdirSync, readlinkSync } from 'node:fs';
import type { SiteId } from '../protocol/ids.ts';
import { connectRawClient } from './node-websocket.ts';
import { helloMessage } from './raw-protocol-client.ts';
import { TEST_SCHEMA } from './test-client-database.ts';

export interface FloodResult {
  /** How the server answered each hello: `accept`, or the reject reason. */
  readonly answers: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
}

/**
 * Says hello for `count` databases named `<prefix><i>` that do not exist, a few
 * connections at a time, as one client probing for names would; each
 * connection is closed as soon as the server answers.
 */
export async function floodNewDatabases(
  wsUrl: string,
  options: { readonly count: number; readonly prefix?: string; readonly concurrency?: number },
): Promise<FloodResult> {
  const prefix = options.prefix ?? 'flood-';
  const siteId = 'f1'.repeat(16) as SiteId;
  const answers: Record<string, number> = {};
  const started = Date.now();
  let next = 0;
  async function worker(): Promise<void> {
    while (next < options.count) {
      const index = next++;
      const socket = await connectRawClient(wsUrl);
      socket.send(helloMessage(`${prefix}${index}`, siteId, TEST_SCHEMA));
      const answer = await socket.next();
      const key = answer.type === 'reject' ? answer.reason : answer.type;
      answers[key] = (answers[key] ?? 0) + 1;
      socket.close();
      await socket.closed;
    }
  }
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, () => worker()));
  return { answers, elapsedMs: Date.now() - started };
}

/** Open file descriptors of this process (Linux). */
export function openFileDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

/**
 * Descriptors of this process open on files inside `dir`: unlike the total,
 * it does not move with the HTTP and WebSocket sockets a test opens and closes.
 */
export function openFilesUnder(dir: string): number {
  let open = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dir}/`)) open += 1;
    } catch {
      // Closed between the listing and the look.
    }
  }
  return open;
}

/** Database files in a server's data folder. */
export function databaseFiles(dataDir: string): number {
  return readdirSync(dataDir).filter((name) => name.endsWith('.sqlite3')).length;
}
