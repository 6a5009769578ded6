// Imported after the kit's stylesheet: its font family overrides the kit's default.
import './pinned-fonts.css';

// Every character the kit's English and German labels use comes from the subsets
// loaded for this text (Latin, with dashes, ellipsis and arrows).
const SAMPLE = 'Remote DB Größe Ünïcödé – — … → ↻ 0123456789';
const FACES = ['400 14px Inter', '600 14px Inter', '700 14px Inter', '400 14px "DejaVu Mono"'];

/**
 * Web fonts load lazily and swap in when ready, so a picture taken before they have
 * arrived shows the fallback. Awaited before every story and component test.
 */
export async function pinnedFontsLoaded(): Promise<void> {
  const loaded = await Promise.all(FACES.map((face) => document.fonts.load(face, SAMPLE)));
  const missing = FACES.filter((_, index) => (loaded[index]?.length ?? 0) === 0);
  if (missing.length > 0) throw new Error(`Pinned fonts did not load: ${missing.join(', ')}`);
  await document.fonts.ready;
}
