/**
 * The request-body bytes a server holds in memory across all its connections. Each
 * request's own limit bounds one body; this bounds many slow ones sent at once,
 * which would otherwise add up to limit × connections.
 */
export class HttpBodyBudget {
  readonly maxBytes: number;
  #used = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get usedBytes(): number {
    return this.#used;
  }

  /** Takes `bytes` if they fit; false (and nothing taken) if they do not. */
  tryReserve(bytes: number): boolean {
    if (this.#used + bytes > this.maxBytes) return false;
    this.#used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}
