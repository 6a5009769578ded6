import type { IntervalHandle, ServerTimers, TimeoutHandle } from '../server-timers.ts';

interface ManualTimer {
  readonly callback: () => void;
  /** 0 for a one-shot timeout. */
  readonly ms: number;
  due: number;
}

/** Server timers that move only when a test calls `advance`. */
export class ManualTimers implements ServerTimers {
  #now = 0;
  #nextId = 1;
  readonly #intervals = new Map<number, ManualTimer>();
  readonly #timeouts = new Map<number, ManualTimer>();

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

  setTimeout(callback: () => void, ms: number): TimeoutHandle {
    const id = this.#nextId++;
    this.#timeouts.set(id, { callback, ms: 0, due: this.#now + ms });
    return id;
  }

  clearTimeout(handle: TimeoutHandle): void {
    this.#timeouts.delete(handle as number);
  }

  get activeIntervals(): number {
    return this.#intervals.size;
  }

  get activeTimeouts(): number {
    return this.#timeouts.size;
  }

  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: { id: number; timer: ManualTimer; once: boolean } | undefined;
      for (const [id, timer] of this.#intervals) {
        if (timer.due <= end && (next === undefined || timer.due < next.timer.due)) next = { id, timer, once: false };
      }
      for (const [id, timer] of this.#timeouts) {
        if (timer.due <= end && (next === undefined || timer.due < next.timer.due)) next = { id, timer, once: true };
      }
      if (next === undefined) break;
      this.#now = next.timer.due;
      if (next.once) this.#timeouts.delete(next.id);
      else next.timer.due += next.timer.ms;
      next.timer.callback();
    }
    this.#now = end;
  }
}
