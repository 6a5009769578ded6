import type { Change } from '../protocol/messages.ts';
import type { ServerDatabase } from './server-database.ts';

/** A page aims at about this many changes: some tens of milliseconds of reading. */
const PAGE_CHANGES = 20_000;
/** One, since a version can be large; later pages are sized from what earlier ones held. */
const FIRST_PAGE_VERSIONS = 1;
const MAX_WINDOW_GROWTH = 8;

/**
 * Reads a client's backlog, `after < db_version <= through` without its own
 * changes, in pages of whole versions, giving the event loop back between pages:
 * a catch-up of millions of changes then holds up other clients' acks and
 * heartbeats for one page at a time, not for the whole read. The version window
 * of a page adapts to how many changes the last one held. A single version
 * larger than a page is still read in one go.
 *
 * Rows committed between pages can only move changes above `through` (an
 * overwrite gets a new version), where the connection's first fan-out sends
 * them, so reading across commits loses nothing. Returns null as soon as
 * `abandoned()` says the client is gone.
 */
export async function readBacklog(
  database: ServerDatabase,
  after: number,
  through: number,
  excludeSite: Uint8Array,
  abandoned: () => boolean,
): Promise<Change[] | null> {
  const backlog: Change[] = [];
  let from = after;
  let window = FIRST_PAGE_VERSIONS;
  while (from < through) {
    if (from > after) {
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      if (abandoned()) return null;
    }
    const to = Math.min(through, from + window);
    const page = database.changesBetween(from, to, excludeSite);
    for (const change of page) backlog.push(change);
    const changesPerVersion = Math.max(page.length, 1) / (to - from);
    window = Math.max(1, Math.min(window * MAX_WINDOW_GROWTH, Math.floor(PAGE_CHANGES / changesPerVersion)));
    from = to;
  }
  return backlog;
}
