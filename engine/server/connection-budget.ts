/**
 * Counts open connections per key (a remote address today; an identity once
 * clients authenticate) against a limit per key and one across all keys, so
 * that no single stranger, and no crowd of them, can hold every socket the
 * server can afford.
 */
export class ConnectionBudget {
  readonly maxTotal: number;
  readonly maxPerKey: number;
  readonly #open = new Map<string, number>();
  #total = 0;

  constructor(limits: { readonly maxTotal: number; readonly maxPerKey: number }) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number >= 1, got ${value}`);
    }
    this.maxTotal = limits.maxTotal;
    this.maxPerKey = limits.maxPerKey;
  }

  get total(): number {
    return this.#total;
  }

  openFor(key: string): number {
    return this.#open.get(key) ?? 0;
  }

  /**
   * Takes a place for one connection of `key`; returns the function that gives
   * it back (safe to call more than once), or a refusal saying which limit was hit.
   */
  take(key: string): { readonly release: () => void } | { readonly refused: string } {
    const open = this.openFor(key);
    if (this.#total >= this.maxTotal) return { refused: `the server holds its maximum of ${this.maxTotal} connections` };
    if (open >= this.maxPerKey) return { refused: `${key} holds its maximum of ${this.maxPerKey} connections` };
    this.#open.set(key, open + 1);
    this.#total += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#total -= 1;
        const left = this.openFor(key) - 1;
        if (left > 0) this.#open.set(key, left);
        else this.#open.delete(key);
      },
    };
  }
}
