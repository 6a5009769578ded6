/** When a flapping server closes each connection: as soon as the socket opens, or right after its handshake accept. */
export type FlapMode = 'open' | 'accept';

/**
 * The faults in force right now. Every mock connection reads them as each frame
 * passes, so a fault takes effect at once on open connections and new ones alike.
 */
export interface FaultSettings {
  /** Added to every frame and close, in each direction. */
  latencyMs: number;
  /** New connections are refused. */
  down: boolean;
  /** Sockets stay open but no frame or close crosses, in either direction. */
  halfOpen: boolean;
  /** The server commits client changes but holds their ack frames back. */
  stallAcks: boolean;
  flapping: FlapMode | null;
}

export function noFaults(): FaultSettings {
  return { latencyMs: 0, down: false, halfOpen: false, stallAcks: false, flapping: null };
}

/** What the faults did, for tests and story diagnostics to observe. */
export interface FaultCounters {
  /** Frames and closes a half-open link swallowed, both directions. */
  framesLost: number;
}
