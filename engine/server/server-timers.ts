/** A handle returned by `ServerTimers.setInterval`; opaque to the core. */
export type IntervalHandle = unknown;
/** A handle returned by `ServerTimers.setTimeout`; opaque to the core. */
export type TimeoutHandle = unknown;

/**
 * The clock and timers the server core uses for heartbeats and deadlines,
 * injectable so tests and the in-browser mock server can drive time themselves.
 */
export interface ServerTimers {
  now(): number;
  setInterval(callback: () => void, ms: number): IntervalHandle;
  clearInterval(handle: IntervalHandle): void;
  setTimeout(callback: () => void, ms: number): TimeoutHandle;
  clearTimeout(handle: TimeoutHandle): void;
}

export const systemTimers: ServerTimers = {
  now: () => Date.now(),
  setInterval: (callback, ms) => globalThis.setInterval(callback, ms),
  clearInterval: (handle) => globalThis.clearInterval(handle as ReturnType<typeof globalThis.setInterval>),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};
