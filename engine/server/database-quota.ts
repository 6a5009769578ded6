/**
 * How many databases a server holds, against the most it may hold. Every
 * database it could be asked to create costs a file, disk space and, while
 * open, memory, so a stranger naming new databases must run into a limit.
 *
 * The count starts from what the store already holds (read once, on the first
 * reservation) and then moves only through this object. `reserve` is
 * synchronous once the count is known, so two creations of different names
 * running at once cannot both take the last place.
 */
export class DatabaseQuota {
  readonly max: number;
  readonly #countExisting: () => Promise<number>;
  #counted: Promise<void> | null = null;
  #held = 0;

  constructor(max: number, countExisting: () => Promise<number>) {
    if (!Number.isSafeInteger(max) || max < 0) throw new RangeError(`maxDatabases must be a whole number >= 0, got ${max}`);
    this.max = max;
    this.#countExisting = countExisting;
  }

  /** Takes a place for one new database; false when the server already holds `max`. */
  async reserve(): Promise<boolean> {
    if (this.#counted === null) {
      const counting = this.#countExisting().then((existing) => {
        this.#held += existing;
      });
      this.#counted = counting;
      // A failed count (an unreadable folder) is tried again by the next creation.
      counting.catch(() => {
        if (this.#counted === counting) this.#counted = null;
      });
    }
    await this.#counted;
    if (this.#held >= this.max) return false;
    this.#held += 1;
    return true;
  }

  /** Gives back a place: the database was not created after all, or was deleted. */
  release(): void {
    this.#held = Math.max(0, this.#held - 1);
  }
}
