import type { OnlineSignal } from '../client/online-signal.ts';

/** A network switch for tests: subscribers hear about every flip at once, as from browser events. */
export class SwitchableNetwork implements OnlineSignal {
  #online: boolean;
  readonly #listeners = new Set<() => void>();

  constructor(online = true) {
    this.#online = online;
  }

  isOnline(): boolean {
    return this.#online;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** How many listeners are subscribed, so a test can see the client let go. */
  get subscribers(): number {
    return this.#listeners.size;
  }

  set(online: boolean): void {
    this.#online = online;
    for (const listener of [...this.#listeners]) listener();
  }
}
