import type { IntervalHandle, ServerTimers } from '../server-timers.ts';

/** Server timers that move only when a test calls `advance`. */
export class ManualTimers implements ServerTimers {
  #now = 0;
  #nextId = 1;
  readonly #intervals = new Map<number, { callback: () => void; ms: number; due: number }>();

  now(): number {
    return this.#now;
  }

  setInterval(callback: () => void, ms: number): IntervalHandle {
    const id = this.#nextId++;
    this.#intervals.set(id, { callback, ms, due: this.#now + ms });
    return id;
  }

  clearInterval(handle: IntervalHandle): void {
    this.#intervals.delete(handle as number);
  }

  get activeIntervals(): number {
    return this.#intervals.size;
  }

  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: { callback: () => void; ms: number; due: number } | undefined;
      for (const interval of this.#intervals.values()) {
        if (interval.due <= end && (next === undefined || interval.due < next.due)) next = interval;
      }
      if (next === undefined) break;
      this.#now = next.due;
      next.due += next.ms;
      next.callback();
    }
    this.#now = end;
  }
}
