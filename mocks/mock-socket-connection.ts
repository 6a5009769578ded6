import type { Client } from 'mock-socket';
import { CLOSE_CODES, MESSAGE_TAGS } from '../engine/protocol/messages.ts';
import type { SyncConnectionHandlers, SyncServerCore } from '../engine/server/sync-server-core.ts';
import { DeliveryQueue } from './delivery-queue.ts';
import type { FaultCounters, FaultSettings } from './fault-settings.ts';
import { readMockFrame, toArrayBuffer } from './mock-frame-data.ts';

/** What a browser reports when a connection dies without a close handshake. */
export const ABNORMAL_CLOSE_CODE = 1006;

const SOCKET_OPEN = 1;

/**
 * Joins one mock-socket connection to the server core, with the faults applied
 * where a network would apply them: between the core's send/close and the
 * client, and between the client's frames and the core. The core is untouched
 * and cannot tell this transport from a real one.
 */
export class MockSocketConnection {
  readonly #socket: Client;
  readonly #faults: FaultSettings;
  readonly #counters: FaultCounters;
  readonly #onFinished: (connection: MockSocketConnection) => void;
  readonly #toClient = new DeliveryQueue();
  readonly #toServer = new DeliveryQueue();
  readonly #heldAcks: ArrayBuffer[] = [];
  readonly #handlers: SyncConnectionHandlers;
  /** Blobs are read asynchronously; frames still reach the core in the order they were sent. */
  #reading: Promise<void> = Promise.resolve();
  /** Nothing more is sent to the client: the socket closed, or the core closed it. */
  #outboundEnded = false;
  /** Nothing more reaches the core: the connection was cut abruptly. */
  #severed = false;
  #finished = false;

  /** `onFinished`: this connection holds no more frames or timers and the core knows it is gone. */
  constructor(
    socket: Client,
    core: SyncServerCore,
    faults: { readonly settings: FaultSettings; readonly counters: FaultCounters },
    onFinished: (connection: MockSocketConnection) => void,
  ) {
    this.#socket = socket;
    this.#faults = faults.settings;
    this.#counters = faults.counters;
    this.#onFinished = onFinished;
    this.#handlers = core.connect({
      send: (frame) => this.#sendToClient(frame),
      close: (code, reason) => this.#closeFromServer(code, reason),
    });
    socket.on('message', (data) => this.#receiveFromClient(data));
    socket.on('close', () => this.#socketClosed());
  }

  get isOpen(): boolean {
    return this.#socket.readyState === SOCKET_OPEN;
  }

  /** Delivers the acks held back while acks were stalled, in order. */
  releaseAcks(): void {
    for (const ack of this.#heldAcks.splice(0)) this.#deliverToClient(ack, false);
  }

  /**
   * Cuts the connection at once: frames in flight are lost both ways, the client
   * sees `code` with no close handshake, and the core learns it is gone.
   */
  sever(code: number, reason: string): void {
    if (this.#severed) return;
    this.#severed = true;
    this.#endOutbound();
    this.#toServer.clear();
    if (this.#socket.readyState === SOCKET_OPEN) this.#socket.close({ code, reason, wasClean: false });
    this.#handlers.closed();
    this.#finish();
  }

  #sendToClient(frame: Uint8Array): void {
    if (this.#outboundEnded) return;
    const data = toArrayBuffer(frame);
    const tag = frame[0];
    if (tag === MESSAGE_TAGS.ack && this.#faults.stallAcks) {
      this.#heldAcks.push(data);
      return;
    }
    this.#deliverToClient(data, tag === MESSAGE_TAGS.accept);
  }

  #deliverToClient(data: ArrayBuffer, isAccept: boolean): void {
    this.#toClient.push(this.#faults.latencyMs, () => {
      if (this.#outboundEnded || this.#lostOnHalfOpenLink()) return;
      this.#socket.send(data);
      if (isAccept && this.#faults.flapping === 'accept') this.sever(ABNORMAL_CLOSE_CODE, 'flapping');
    });
  }

  #closeFromServer(code: number, reason: string): void {
    if (this.#outboundEnded) return;
    // The close travels behind the frames sent before it (a reject, an error).
    this.#toClient.push(this.#faults.latencyMs, () => {
      // On a half-open link the close is lost like any frame: the client's socket stays open.
      if (this.#outboundEnded || this.#lostOnHalfOpenLink()) return;
      this.#endOutbound();
      if (this.#socket.readyState === SOCKET_OPEN) {
        this.#socket.close({ code, reason, wasClean: code === CLOSE_CODES.normal || code === CLOSE_CODES.goingAway });
      }
    });
  }

  #receiveFromClient(data: unknown): void {
    this.#reading = this.#reading.then(async () => {
      // A Blob that cannot be read must not stall every frame behind it.
      const frame = await readMockFrame(data).catch(() => null);
      if (this.#severed) return;
      this.#toServer.push(this.#faults.latencyMs, () => {
        if (this.#severed || this.#lostOnHalfOpenLink()) return;
        if (frame === null) this.#handlers.receiveInvalid('the frame could not be read');
        else if (frame.kind === 'binary') this.#handlers.receive(frame.bytes);
        else this.#handlers.receiveInvalid('text frames are not part of the Greenlight protocol');
      });
    });
  }

  /** mock-socket reports the close of this socket, whoever started it. */
  #socketClosed(): void {
    this.#endOutbound();
    // Frames the client sent before closing reach the core first. On a half-open
    // link the core never hears of the close; its idle timeout ends the connection.
    this.#reading = this.#reading.then(() => {
      if (this.#severed) return;
      this.#toServer.push(this.#faults.latencyMs, () => {
        if (this.#severed || this.#lostOnHalfOpenLink()) return;
        this.#handlers.closed();
        this.#finish();
      });
    });
  }

  #lostOnHalfOpenLink(): boolean {
    if (!this.#faults.halfOpen) return false;
    this.#counters.framesLost += 1;
    return true;
  }

  #endOutbound(): void {
    this.#outboundEnded = true;
    this.#toClient.clear();
    this.#heldAcks.length = 0;
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#onFinished(this);
  }
}
