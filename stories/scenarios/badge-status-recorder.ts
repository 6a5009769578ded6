/**
 * Every `data-status` a badge element takes, in order, as the DOM shows it. Some
 * steps (a quick `syncing`, a short `connecting`) can be over before a play
 * function's next poll; a MutationObserver still sees each committed render.
 */
export interface BadgeStatusRecorder {
  readonly seen: readonly string[];
}

export function recordBadgeStatuses(badge: HTMLElement): BadgeStatusRecorder {
  const seen: string[] = [];
  const push = (status: string | null) => {
    if (status !== null && seen.at(-1) !== status) seen.push(status);
  };
  push(badge.getAttribute('data-status'));
  const observer = new MutationObserver((records) => {
    // Records delivered together each carry the value before them; the element holds the last.
    for (const [index, record] of records.entries()) if (index > 0) push(record.oldValue);
    push(badge.getAttribute('data-status'));
  });
  observer.observe(badge, { attributes: true, attributeFilter: ['data-status'], attributeOldValue: true });
  // The observer goes with the badge when the story unmounts.
  return { seen };
}

/** True when `expected` occurs in `seen` in this order, other statuses allowed between them. */
export function containsInOrder(seen: readonly string[], expected: readonly string[]): boolean {
  let next = 0;
  for (const status of seen) if (status === expected[next]) next += 1;
  return next === expected.length;
}
