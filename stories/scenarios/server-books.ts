import type { MockSyncBackend } from '../../mocks/mock-sync-backend.ts';

export const DATABASE = 'bookshop';

/**
 * Puts `count` books on the server, `perCommit` per transaction. Each commit is
 * one server db_version, and a catch-up batch never splits a version, so many
 * small commits arrive as many batches: what makes catch-up progress visible.
 */
export async function seedServerBooks(
  backend: MockSyncBackend,
  options: { readonly count: number; readonly perCommit?: number; readonly edition?: string },
): Promise<void> {
  const perCommit = options.perCommit ?? options.count;
  const edition = options.edition ?? 'Book';
  for (let first = 1; first <= options.count; first += perCommit) {
    const rows = Math.min(perCommit, options.count - first + 1);
    await backend.loadBacklog(DATABASE, {
      rows,
      insert:
        "INSERT INTO books (id, title, author, price, stock) SELECT printf('book-%04d', i + ?), ? || ' ' || (i + ?), 'Author ' || ((i + ?) % 7), 9.5, 3 FROM backlog",
      params: [first - 1, edition, first - 1, first - 1],
    });
  }
}

/** A change made elsewhere and committed on the server, fanned out to connected clients. */
export async function addServerBook(backend: MockSyncBackend): Promise<void> {
  const taken = Number((await backend.exec(DATABASE, "SELECT count(*) FROM books WHERE id LIKE 'server-%'")).rows[0]?.[0] ?? 0);
  const next = taken + 1;
  await backend.exec(DATABASE, 'INSERT INTO books (id, title, author, price, stock) VALUES (?, ?, ?, ?, ?)', [
    `server-${String(next).padStart(3, '0')}`,
    `Server book ${next}`,
    'Head office',
    20,
    5,
  ]);
}
