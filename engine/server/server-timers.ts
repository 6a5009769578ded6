/** A handle returned by `ServerTimers.setInterval`; opaque to the core. */
export type IntervalHandle = unknown;

/**
 * The clock and interval timer the server core uses for heartbeats, injectable
 * so tests and the in-browser mock server can drive time themselves.
 */
export interface ServerTimers {
  now(): number;
  setInterval(callback: () => void, ms: number): IntervalHandle;
  clearInterval(handle: IntervalHandle): void;
}

export const systemTimers: ServerTimers = {
  now: () => Date.now(),
  setInterval: (callback, ms) => globalThis.setInterval(callback, ms),
  clearInterval: (handle) => globalThis.clearInterval(handle as ReturnType<typeof globalThis.setInterval>),
};
