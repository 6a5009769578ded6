/**
 * Delivers items one after another, each no sooner than its delay after it was
 * pushed and never before an item pushed earlier: like bytes on one TCP
 * stream, a frame sent after a latency drop does not overtake one sent before.
 * Delivery is always in a later task, as with a real socket, even at zero delay.
 */
export class DeliveryQueue {
  readonly #items: { readonly due: number; readonly deliver: () => void }[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;

  push(delayMs: number, deliver: () => void): void {
    this.#items.push({ due: performance.now() + delayMs, deliver });
    if (this.#items.length === 1) this.#schedule();
  }

  /** Forgets everything not yet delivered. */
  clear(): void {
    this.#items.length = 0;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const head = this.#items[0];
    if (head === undefined) return;
    this.#timer = setTimeout(() => this.#flush(), Math.max(0, head.due - performance.now()));
  }

  #flush(): void {
    this.#timer = null;
    const now = performance.now();
    // Only the head is checked: an item due earlier waits behind it (head-of-line, as on TCP).
    for (let head = this.#items[0]; head !== undefined && head.due <= now; head = this.#items[0]) {
      this.#items.shift();
      try {
        head.deliver();
      } catch (error) {
        // A throwing listener on the far side must not stall the frames behind it;
        // rethrown in its own task, it still fails the test or shows in the console.
        setTimeout(() => {
          throw error;
        });
      }
    }
    this.#schedule();
  }
}
