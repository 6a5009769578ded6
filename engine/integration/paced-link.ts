/**
 * One direction of a simulated link for the fault proxy: frames leave in the
 * order they were sent, each once the link has had time to carry its bytes at
 * the current rate (a frame's transmission starts when the previous one's ends).
 * With no rate, a frame goes at once, unless earlier frames are still queued, so
 * lifting the limit never lets a frame overtake another.
 */
export class PacedLink {
  readonly #queue: Array<{ readonly dueAt: number; readonly deliver: () => void }> = [];
  /** When the frame last queued has been fully carried. */
  #busyUntil = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;

  /** `deliver` runs when `bytes` have crossed at `bytesPerSecond` (null: no limit). */
  send(bytes: number, bytesPerSecond: number | null, deliver: () => void): void {
    if (this.#stopped) return;
    const now = Date.now();
    if (bytesPerSecond === null && this.#queue.length === 0) {
      deliver();
      return;
    }
    const start = Math.max(now, this.#busyUntil);
    this.#busyUntil = bytesPerSecond === null ? start : start + (bytes * 1_000) / bytesPerSecond;
    this.#queue.push({ dueAt: this.#busyUntil, deliver });
    this.#drain();
  }

  /** Drops whatever is still on the way: the sockets at either end are gone. */
  stop(): void {
    this.#stopped = true;
    this.#queue.length = 0;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #drain(): void {
    // A late timer delivers everything due by now, still in order.
    while (!this.#stopped && this.#queue[0] !== undefined && this.#queue[0].dueAt <= Date.now()) {
      this.#queue.shift()?.deliver();
    }
    const next = this.#queue[0];
    if (this.#stopped || next === undefined || this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#drain();
    }, Math.max(0, next.dueAt - Date.now()));
  }
}
