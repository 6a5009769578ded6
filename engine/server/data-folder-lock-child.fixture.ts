// A process that tries to lock a data folder, says how it went, and holds the
// lock until it is killed. Used by data-folder-lock.test.ts.
import { isGreenlightError } from '../errors.ts';
import { lockDataFolder } from './data-folder-lock.ts';

const directory = process.argv[2];
if (directory === undefined) throw new Error('usage: data-folder-lock-child.fixture.ts <folder>');
try {
  lockDataFolder(directory);
  console.log('locked');
} catch (error) {
  console.log(`refused ${isGreenlightError(error) ? error.kind : String(error)}`);
}
setInterval(() => {}, 60_000);
