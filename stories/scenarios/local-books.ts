import type { SqliteConnection } from '../../engine/sqlite/sqlite-connection.ts';

export interface BookRow {
  readonly id: string;
  readonly title: string;
  readonly stock: number;
}

export interface LocalBooks {
  readonly count: number;
  /** The last few by id, so books added on a device (ids after the seeded `book-…`) show first. */
  readonly latest: readonly BookRow[];
}

export const NO_BOOKS: LocalBooks = { count: 0, latest: [] };

const SHOWN_ROWS = 5;

/** What the demo table shows of a device's local database. */
export function readLocalBooks(connection: SqliteConnection): LocalBooks {
  const count = Number(connection.all('SELECT count(*) FROM books')[0]?.[0] ?? 0);
  const latest = connection
    .all<[string, string, number]>(`SELECT id, title, stock FROM books ORDER BY id DESC LIMIT ${SHOWN_ROWS}`)
    .map(([id, title, stock]) => ({ id, title, stock: Number(stock) }));
  return { count, latest };
}

/** A local change, as the app would make it: one new book, numbered per device so ids never collide. */
export function addLocalBook(connection: SqliteConnection, device: string): string {
  const prefix = device.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const taken = Number(connection.all('SELECT count(*) FROM books WHERE id LIKE ?', [`${prefix}-%`])[0]?.[0] ?? 0);
  const id = `${prefix}-${String(taken + 1).padStart(3, '0')}`;
  connection.exec('INSERT INTO books (id, title, author, price, stock) VALUES (?, ?, ?, ?, ?)', [
    id,
    `${device} book ${taken + 1}`,
    device,
    12.5,
    1,
  ]);
  return id;
}

/** One column write per book: each sale is exactly one pending change in one row. */
export function sellOneCopyEach(connection: SqliteConnection, ids: readonly string[]): void {
  for (const id of ids) connection.exec('UPDATE books SET stock = stock - 1 WHERE id = ?', [id]);
}
