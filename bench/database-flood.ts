/**
 * What one client saying hello to many new database names costs the server:
 * `npx tsx bench/database-flood.ts [--names 2000] [--max-databases n] [--idle-ms n] [--no-create]`.
 * Runs the server in this process and prints the files created, the growth in
 * RSS and open file descriptors, and the time; then, if databases close when
 * idle, the descriptors once they have.
 */
import { startSyncServer } from '../engine/server/node-sync-server.ts';
import { databaseFiles, floodNewDatabases, openFileDescriptors } from '../engine/test-support/database-flood.ts';
import { makeDataDir, removeDataDir } from '../engine/test-support/temp-folder.ts';
import { TEST_SCHEMA } from '../engine/test-support/test-client-database.ts';
import { waitUntil } from '../engine/test-support/wait-until.ts';

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index < 0 ? undefined : process.argv[index + 1];
}

const names = Number(flag('--names') ?? 2000);
const maxDatabases = flag('--max-databases');
const idleMs = flag('--idle-ms');
const allowCreate = !process.argv.includes('--no-create');
const MIB = 1024 * 1024;

const dataDir = makeDataDir();
const server = await startSyncServer({
  dataDir,
  schema: TEST_SCHEMA,
  port: 0,
  host: '127.0.0.1',
  allowCreate,
  ...(maxDatabases === undefined ? {} : { maxDatabases: Number(maxDatabases) }),
  ...(idleMs === undefined ? {} : { idleDatabaseCloseMs: Number(idleMs) }),
});
const rssBefore = process.memoryUsage().rss;
const fdsBefore = openFileDescriptors();
const result = await floodNewDatabases(server.wsUrl, { count: names });
const rssAfter = process.memoryUsage().rss;
const fdsAfter = openFileDescriptors();
console.log(
  JSON.stringify({
    names,
    allowCreate,
    maxDatabases: maxDatabases ?? 'default',
    idleDatabaseCloseMs: idleMs ?? 'default',
    answers: result.answers,
    files: databaseFiles(dataDir),
    seconds: Number((result.elapsedMs / 1000).toFixed(1)),
    rssGrowthMiB: Math.round((rssAfter - rssBefore) / MIB),
    fdGrowth: fdsAfter - fdsBefore,
  }),
);
if (idleMs !== undefined && Number(idleMs) < 30_000) {
  await waitUntil('idle databases closed', () => openFileDescriptors() <= fdsBefore + 2, Number(idleMs) + 10_000, 50).catch(() => {});
  console.log(JSON.stringify({ fdGrowthAfterIdleClose: openFileDescriptors() - fdsBefore, rssGrowthMiB: Math.round((process.memoryUsage().rss - rssBefore) / MIB) }));
}
await server.close();
removeDataDir(dataDir);
