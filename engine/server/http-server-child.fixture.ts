// A sync server in a process of its own, so a test can read its memory alone:
// prints "port <n>" once listening and answers each IPC message with its RSS.
// Used by http-body-budget.test.ts.
import { startSyncServer } from './node-sync-server.ts';
import { TEST_SCHEMA } from '../test-support/test-client-database.ts';

const [dataDir, optionsJson] = process.argv.slice(2);
if (dataDir === undefined) throw new Error('usage: http-server-child.fixture.ts <data folder> [options JSON]');
const server = await startSyncServer({ dataDir, schema: TEST_SCHEMA, port: 0, host: '127.0.0.1', allowExec: true, ...(JSON.parse(optionsJson ?? '{}') as object) });
process.on('message', () => process.send?.({ rss: process.memoryUsage().rss }));
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
console.log(`port ${server.port}`);
