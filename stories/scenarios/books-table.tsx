import { useRef, useSyncExternalStore } from 'react';
import type { SyncSnapshot } from '../../engine/client/sync-client-api.ts';
import { formatCount } from '../../components/human-units.ts';
import { NO_BOOKS, readLocalBooks, type LocalBooks } from './local-books.ts';
import type { ScenarioClient } from './scenario-client.ts';

/**
 * The demo table of one device's local database, so people see data move. It
 * re-reads on every client snapshot: a local write changes the pending count and
 * an applied server batch the applied version, so both re-render it.
 */
export function BooksTable({ scenario, caption }: { readonly scenario: ScenarioClient; readonly caption: string }) {
  const cache = useRef<{ snapshot: SyncSnapshot; books: LocalBooks } | null>(null);
  const books = useSyncExternalStore(
    (listener) => scenario.view.subscribe(listener),
    () => {
      const snapshot = scenario.view.getSnapshot();
      if (cache.current?.snapshot === snapshot) return cache.current.books;
      // Nuke and Resync closes the database before the new one is handed over; keep the last view meanwhile.
      let books = cache.current?.books ?? NO_BOOKS;
      try {
        books = readLocalBooks(scenario.connection);
      } catch {
        // The old database is already closed; the next snapshot reads the new one.
      }
      cache.current = { snapshot, books };
      return books;
    },
  );

  return (
    <table className="greenlight-scenario__table" data-count={books.count}>
      <caption>
        {caption}: {formatCount(books.count, 'en')} {books.count === 1 ? 'book' : 'books'}
      </caption>
      <thead>
        <tr>
          <th scope="col">id</th>
          <th scope="col">title</th>
          <th scope="col">stock</th>
        </tr>
      </thead>
      <tbody>
        {books.latest.map((book) => (
          <tr key={book.id}>
            <td>{book.id}</td>
            <td>{book.title}</td>
            <td>{book.stock}</td>
          </tr>
        ))}
        {books.latest.length === 0 && (
          <tr>
            <td colSpan={3}>no books on this device yet</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
