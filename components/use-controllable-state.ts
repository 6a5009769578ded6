import { useCallback, useRef, useState } from 'react';

/**
 * Radix's controlled-or-not state: with `value` the parent owns it and only hears
 * requests through `onChange`; without, the component keeps its own, starting at
 * `defaultValue`. `onChange` fires only for real changes.
 */
export function useControllableState<T>(
  value: T | undefined,
  defaultValue: T,
  onChange: ((next: T) => void) | undefined,
): [T, (next: T) => void] {
  const [uncontrolled, setUncontrolled] = useState(defaultValue);
  const controlled = value !== undefined;
  const current = controlled ? value : uncontrolled;
  const latest = useRef({ current, controlled, onChange });
  latest.current = { current, controlled, onChange };

  const setValue = useCallback((next: T) => {
    const { current: previous, controlled: isControlled, onChange: notify } = latest.current;
    if (Object.is(previous, next)) return;
    if (!isControlled) setUncontrolled(next);
    latest.current = { ...latest.current, current: next };
    notify?.(next);
  }, []);

  return [current, setValue];
}
