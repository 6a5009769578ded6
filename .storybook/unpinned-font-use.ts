// No stylesheet here: the screenshot setup imports this before the preview, and
// pinned-fonts.css must come after the kit's own stylesheet to win over it.

/** The families pinned-fonts.css loads; a rendered text in any other family fell back to the system. */
export const PINNED_FONT_FAMILIES: readonly string[] = ['Inter', 'DejaVu Mono'];

/** The first rendered element whose text is set in a family that is not pinned, for the tests to refuse. */
export function unpinnedFontUse(root: Element): string | null {
  for (const element of [root, ...root.querySelectorAll('*')]) {
    const hasOwnText = [...element.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && (node.textContent ?? '').trim() !== '');
    const isControl = element instanceof HTMLSelectElement || element instanceof HTMLInputElement || element instanceof HTMLButtonElement;
    if (!hasOwnText && !isControl) continue;
    if (element.getClientRects().length === 0) continue;
    const family = getComputedStyle(element).fontFamily.split(',')[0]?.trim().replace(/^["']|["']$/g, '') ?? '';
    if (!PINNED_FONT_FAMILIES.includes(family)) return `<${element.tagName.toLowerCase()}> "${(element.textContent ?? '').trim().slice(0, 40)}" is set in ${family}`;
  }
  return null;
}
