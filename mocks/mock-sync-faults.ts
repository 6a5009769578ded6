import type { FaultCounters, FaultSettings, FlapMode } from './fault-settings.ts';
import { ABNORMAL_CLOSE_CODE, type MockSocketConnection } from './mock-socket-connection.ts';

/**
 * The network and server faults a story or test can switch on and off while a
 * client is connected. Each method takes effect at once, on the connections
 * already open and on every later one.
 */
export class MockSyncFaults {
  readonly #settings: FaultSettings;
  readonly #counters: FaultCounters;
  readonly #connections: () => Iterable<MockSocketConnection>;

  constructor(faults: { readonly settings: FaultSettings; readonly counters: FaultCounters }, connections: () => Iterable<MockSocketConnection>) {
    this.#settings = faults.settings;
    this.#counters = faults.counters;
    this.#connections = connections;
  }

  /** The faults in force, as a copy. */
  get current(): Readonly<FaultSettings> {
    return { ...this.#settings };
  }

  /** Frames and closes a half-open link has swallowed so far, both directions. */
  get framesLost(): number {
    return this.#counters.framesLost;
  }

  /** Delays every frame and close by `ms`, in both directions; order is kept. */
  latency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be a non-negative number of ms, got ${ms}`);
    this.#settings.latencyMs = ms;
  }

  /** Every open connection dies now, as when the network drops: close code 1006, frames in flight lost. */
  dropConnections(): void {
    for (const connection of [...this.#connections()]) connection.sever(ABNORMAL_CLOSE_CODE, 'connection dropped');
  }

  /** The server goes away: open connections drop and new ones fail before they open. */
  serverDown(): void {
    this.#settings.down = true;
    this.dropConnections();
  }

  serverUp(): void {
    this.#settings.down = false;
  }

  /** Sockets stay open and nobody is told, but nothing crosses in either direction (a dead NAT entry). */
  halfOpen(): void {
    this.#settings.halfOpen = true;
  }

  /** Frames flow again; those sent meanwhile stay lost. */
  endHalfOpen(): void {
    this.#settings.halfOpen = false;
  }

  /** Client changes are still committed, but their acks are held back until `releaseAcks`. */
  stallAcks(): void {
    this.#settings.stallAcks = true;
  }

  releaseAcks(): void {
    this.#settings.stallAcks = false;
    for (const connection of this.#connections()) connection.releaseAcks();
  }

  /**
   * From now on every connection is closed (1006) right after it opens, or right
   * after its handshake accept; those open now drop at once, as they would on a
   * link that started flapping.
   */
  flap(mode: FlapMode = 'open'): void {
    this.#settings.flapping = mode;
    this.dropConnections();
  }

  stopFlapping(): void {
    this.#settings.flapping = null;
  }

  /** Back to a healthy network: no latency, server up, link whole, acks released, no flapping. */
  clear(): void {
    this.latency(0);
    this.serverUp();
    this.endHalfOpen();
    this.releaseAcks();
    this.stopFlapping();
  }
}
