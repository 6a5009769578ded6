import { mkdirSync } from 'node:fs';
import { access, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { toGreenlightError } from '../errors.ts';
import type { DatabaseName } from '../protocol/ids.ts';
import { openFileDatabase } from '../sqlite/open-file-database.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import type { DatabaseStore } from './database-store.ts';

const DATABASE_EXTENSION = '.sqlite3';
// cr-sqlite's wasm builds use a rollback journal; a stale one must never meet a new database.
const JOURNAL_SUFFIX = '-journal';

/**
 * One `<name>.sqlite3` file per database inside a folder (Node only). Names are
 * validated `DatabaseName`s, which cannot contain a path separator or start with
 * a dot, so every file stays inside the folder.
 */
export class FileDatabaseStore implements DatabaseStore {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = directory;
    try {
      mkdirSync(directory, { recursive: true });
    } catch (error) {
      throw toGreenlightError(error, 'storage', 'storage');
    }
  }

  pathOf(name: DatabaseName): string {
    return join(this.directory, `${name}${DATABASE_EXTENSION}`);
  }

  async exists(name: DatabaseName): Promise<boolean> {
    try {
      await access(this.pathOf(name));
      return true;
    } catch {
      return false;
    }
  }

  async count(): Promise<number> {
    try {
      const entries = await readdir(this.directory, { withFileTypes: true });
      return entries.filter((entry) => entry.isFile() && entry.name.endsWith(DATABASE_EXTENSION)).length;
    } catch (error) {
      throw toGreenlightError(error, 'storage', 'storage');
    }
  }

  open(name: DatabaseName): Promise<SqliteConnection> {
    return openFileDatabase(this.pathOf(name));
  }

  async delete(name: DatabaseName): Promise<void> {
    const path = this.pathOf(name);
    try {
      await rm(`${path}${JOURNAL_SUFFIX}`, { force: true });
      await rm(path, { force: true });
    } catch (error) {
      throw toGreenlightError(error, 'storage', 'storage');
    }
  }
}
