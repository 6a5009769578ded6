/**
 * The scenario clients open in this page, so the story test run can freeze their
 * views just before it takes the end-state screenshot (see freezable-sync-client.ts).
 */
const openViews = new Set<{ freeze(): void }>();

export function registerLiveView(view: { freeze(): void }): () => void {
  openViews.add(view);
  return () => openViews.delete(view);
}

export function freezeLiveViews(): void {
  for (const view of openViews) view.freeze();
}
