import { useEffect, useState } from 'react';

/**
 * True once `on` has stayed true for `delayMs`; false as soon as it drops. A short
 * sync then never flashes a dialog on screen.
 */
export function useDelayedFlag(on: boolean, delayMs: number): boolean {
  const [raised, setRaised] = useState(false);
  useEffect(() => {
    if (!on) {
      setRaised(false);
      return;
    }
    if (delayMs <= 0) {
      setRaised(true);
      return;
    }
    const timer = setTimeout(() => setRaised(true), delayMs);
    return () => clearTimeout(timer);
  }, [on, delayMs]);
  return on && raised;
}
