import { GreenlightError, type ErrorOrigin } from '../errors.ts';

/**
 * Frame limits are told, never assumed: the hello carries the client's
 * `maxFrameBytes`, the accept the server's, and each side sends within what the
 * other accepts.
 *
 * The server does not forward a client's frame: it re-reads the changes from its
 * own database, where they carry the server's db_version, and sends them in
 * frames of its own. A version number may take more bytes there, so a client's
 * frame that just fits could come out too large for everyone else. The simplest
 * correct rule: every client frame leaves `REENCODE_GROWTH_BYTES` free, and the
 * server refuses one that does not. The server re-splits everything else into
 * batches of its own size (version-batches.ts); only a single change is never
 * cut, and a single change from a frame within the client limit always fits a
 * server frame within the shared limit.
 */

/** A varint holding a version (at most 2^53 - 1) takes at most this many bytes. */
const MAX_VERSION_VARINT_BYTES = 8;

/**
 * How many bytes larger the server's frame holding one change can be than the
 * client's frame that brought it: the frame's `throughVersion` (at least 1 byte
 * from the client, at most 8 from the server), the change's `dbVersion` (the
 * same) and its `cl` (the same: the server reads the change back from its own
 * database, where a later re-create of the row can have raised the row's causal
 * length). Tag, count (1 for a lone change) and every other field are unchanged.
 * The server's deliverable-size rule (change-rules.ts) counts the same growth, so
 * every change in a frame within the client limit passes it.
 */
export const REENCODE_GROWTH_BYTES = 3 * (MAX_VERSION_VARINT_BYTES - 1);

/**
 * A handshake naming a smaller limit is malformed: the handshake itself, a
 * reject and an error frame must always fit.
 */
export const MIN_MAX_FRAME_BYTES = 1024;

/** Refuses a configured limit the handshake could not carry, at construction rather than on every connection. */
export function checkFrameLimitOption(maxFrameBytes: number, origin: ErrorOrigin): number {
  if (Number.isSafeInteger(maxFrameBytes) && maxFrameBytes >= MIN_MAX_FRAME_BYTES) return maxFrameBytes;
  throw new GreenlightError('internal', origin, `maxFrameBytes must be an integer of at least ${MIN_MAX_FRAME_BYTES}, got ${maxFrameBytes}`);
}

/** The largest frame the server may send on a connection. */
export function serverSendLimit(clientMaxFrameBytes: number, serverMaxFrameBytes: number): number {
  return Math.min(clientMaxFrameBytes, serverMaxFrameBytes);
}

/** The largest frame a client may send once accepted (and the largest the server then reads). */
export function clientSendLimit(clientMaxFrameBytes: number, serverMaxFrameBytes: number): number {
  return serverSendLimit(clientMaxFrameBytes, serverMaxFrameBytes) - REENCODE_GROWTH_BYTES;
}

/**
 * The last check before a frame leaves: a frame over the limit the peer was
 * told is a bug in this side's batching, never something to send and let the
 * peer refuse (it would refuse it on every reconnect).
 */
export function checkOutgoingFrame(frame: Uint8Array, limit: number, what: string, origin: ErrorOrigin): void {
  if (frame.byteLength <= limit) return;
  throw new GreenlightError(
    'internal',
    origin,
    `refusing to send a ${what} frame of ${frame.byteLength} bytes: the peer accepts at most ${limit}`,
  );
}
