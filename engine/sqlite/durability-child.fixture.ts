// Run by open-file-database.test.ts in a child process that the test kills with
// SIGKILL: commits one row per transaction and reports each commit only after
// COMMIT has returned, so every reported row must survive the kill.
import { openFileDatabase } from './open-file-database.ts';

const [path, countText] = process.argv.slice(2);
if (path === undefined || countText === undefined) throw new Error('usage: durability-child <path> <count>');

const db = await openFileDatabase(path);
db.exec('CREATE TABLE IF NOT EXISTS row (id INTEGER PRIMARY KEY NOT NULL, body TEXT)');
db.exec("SELECT crsql_as_crr('row')");
process.stdout.write('ready\n');
for (let id = 1; id <= Number(countText); id++) {
  db.transaction(() => db.exec('INSERT INTO row (id, body) VALUES (?, ?)', [id, 'x'.repeat(2000)]));
  process.stdout.write(`committed ${id}\n`);
}
db.close();
