import { useState, type CSSProperties, type ReactNode } from 'react';

/** A grid of labelled cells, for reviewing every state of a component at a glance. */
export function StateSheet({ columns, children }: { readonly columns: number; readonly children: ReactNode }) {
  return (
    <div className="greenlight-sheet" style={{ '--sheet-columns': columns } as CSSProperties}>
      {children}
    </div>
  );
}

export function StateSheetCell({ label, children }: { readonly label: string; readonly children: ReactNode }) {
  return (
    <div className="greenlight-sheet__cell">
      <p className="greenlight-sheet__label">{label}</p>
      {children}
    </div>
  );
}

/**
 * A cell that hands its own element to a dialog as the portal container, so a sheet
 * can show dialogs side by side instead of stacked over the page.
 */
export function StateSheetPortalCell({
  label,
  children,
}: {
  readonly label: string;
  readonly children: (container: HTMLElement) => ReactNode;
}) {
  const [container, setContainer] = useState<HTMLElement | null>(null);
  return (
    <StateSheetCell label={label}>
      <div ref={setContainer} className="greenlight-sheet__portal">
        {container !== null && children(container)}
      </div>
    </StateSheetCell>
  );
}
