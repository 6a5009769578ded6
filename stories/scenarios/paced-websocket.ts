import type { CreateWebSocket, WebSocketLike } from '../../engine/client/websocket-like.ts';

/**
 * A slow downlink: frames from the server reach the client no faster than one per
 * `intervalMs`, in order, and the close waits behind them. The mock's latency
 * delays every frame by the same amount, so a backlog still lands all at once;
 * pacing makes a catch-up last long enough to watch its progress and ETA.
 */
export function pacedWebSocket(create: CreateWebSocket, intervalMs: number): CreateWebSocket {
  return (url) => new PacedWebSocket(create(url), intervalMs);
}

class PacedWebSocket implements WebSocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { readonly data: unknown }) => void) | null = null;
  onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly #inner: WebSocketLike;
  readonly #intervalMs: number;
  readonly #inbox: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(inner: WebSocketLike, intervalMs: number) {
    this.#inner = inner;
    this.#intervalMs = intervalMs;
    inner.onopen = (event) => this.onopen?.(event);
    inner.onerror = (event) => this.onerror?.(event);
    inner.onmessage = (event) => this.#enqueue(() => this.onmessage?.(event));
    inner.onclose = (event) => this.#enqueue(() => this.onclose?.(event));
  }

  get binaryType(): string {
    return this.#inner.binaryType;
  }

  set binaryType(type: string) {
    this.#inner.binaryType = type;
  }

  get readyState(): number {
    return this.#inner.readyState;
  }

  send(data: Uint8Array): void {
    this.#inner.send(data);
  }

  close(code?: number, reason?: string): void {
    this.#inner.close(code, reason);
  }

  #enqueue(deliver: () => void): void {
    this.#inbox.push(deliver);
    if (this.#timer === null) this.#deliverNext();
  }

  #deliverNext(): void {
    const next = this.#inbox.shift();
    if (next === undefined) {
      this.#timer = null;
      return;
    }
    next();
    this.#timer = setTimeout(() => this.#deliverNext(), this.#intervalMs);
  }
}
