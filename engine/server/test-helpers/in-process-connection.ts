import { decodeServerMessage, encodeMessage } from '../../protocol/codec.ts';
import type { ClientMessage, ServerMessage } from '../../protocol/messages.ts';
import type { SyncConnectionHandlers, SyncServerCore } from '../sync-server-core.ts';

/** A connection to a server core without any transport, for tests that drive time by hand. */
export class InProcessConnection {
  readonly received: ServerMessage[] = [];
  readonly handlers: SyncConnectionHandlers;
  closedWith: { code: number; reason: string } | null = null;

  constructor(core: SyncServerCore) {
    this.handlers = core.connect({
      send: (frame) => {
        this.received.push(decodeServerMessage(frame));
      },
      close: (code, reason) => {
        this.closedWith = { code, reason };
      },
    });
  }

  send(message: ClientMessage): void {
    this.handlers.receive(encodeMessage(message));
  }

  /** Lets the core finish the frames it has queued (a hello opens its database asynchronously). */
  async settle(): Promise<void> {
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  types(): string[] {
    return this.received.map((message) => message.type);
  }
}
