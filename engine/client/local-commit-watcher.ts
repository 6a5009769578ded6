import type { ClientDatabase } from './client-database.ts';

/**
 * Turns the host database's per-row update notifications into one callback per
 * burst: a commit of 10,000 rows fires the update hook 10,000 times, and the
 * client only needs to look once, after the burst.
 */
export function watchLocalCommits(db: ClientDatabase, onBurst: () => void): () => void {
  let scheduled: ReturnType<typeof setTimeout> | null = null;
  const unsubscribe = db.onUpdate(() => {
    if (scheduled !== null) return;
    scheduled = setTimeout(() => {
      scheduled = null;
      onBurst();
    }, 0);
  });
  return () => {
    unsubscribe();
    if (scheduled !== null) clearTimeout(scheduled);
    scheduled = null;
  };
}
