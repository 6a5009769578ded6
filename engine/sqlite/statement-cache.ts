/**
 * Prepared statements kept by SQL text, least recently used evicted first. A
 * statement in use is never evicted: a listener may run SQL while an outer
 * statement of the same connection is still stepping.
 */
export interface CachedStatement {
  readonly pointer: number;
  busy: boolean;
}

export class StatementCache {
  private readonly entries = new Map<string, CachedStatement>();

  constructor(
    private readonly capacity: number,
    private readonly finalize: (pointer: number) => void,
  ) {}

  get(sql: string): CachedStatement | undefined {
    const entry = this.entries.get(sql);
    if (entry === undefined) return undefined;
    this.entries.delete(sql);
    this.entries.set(sql, entry);
    return entry;
  }

  /** Adds a statement already marked busy, so that its own insertion cannot evict it. */
  add(sql: string, pointer: number): CachedStatement {
    const entry: CachedStatement = { pointer, busy: true };
    this.entries.set(sql, entry);
    this.evictOverflow();
    return entry;
  }

  clear(): void {
    for (const entry of this.entries.values()) this.finalize(entry.pointer);
    this.entries.clear();
  }

  private evictOverflow(): void {
    for (const [sql, entry] of this.entries) {
      if (this.entries.size <= this.capacity) return;
      if (entry.busy) continue;
      this.entries.delete(sql);
      this.finalize(entry.pointer);
    }
  }
}
