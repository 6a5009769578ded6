import WebSocket from 'ws';
import { decodeServerMessage, encodeMessage } from '../../protocol/codec.ts';
import type { DatabaseName, SiteId } from '../../protocol/ids.ts';
import { PROTOCOL_VERSION, type ClientMessage, type HelloMessage, type ServerMessage } from '../../protocol/messages.ts';

export interface CloseEvent {
  readonly code: number;
  readonly reason: string;
}

type MessageOfType<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

const WAIT_MS = 5000;

/**
 * A bare protocol client for server tests: it sends exactly the frames a test
 * gives it and queues every decoded server message, so tests can assert the
 * conversation message by message.
 */
export class RawProtocolClient {
  readonly #socket: WebSocket;
  readonly #inbox: ServerMessage[] = [];
  readonly #waiters = new Set<() => void>();
  /** Every message received, heartbeats included, in order. */
  readonly received: ServerMessage[] = [];
  readonly closed: Promise<CloseEvent>;
  #closeEvent: CloseEvent | null = null;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.#closeEvent = { code, reason: reason.toString() };
        resolve(this.#closeEvent);
        this.#wake();
      });
    });
    socket.on('message', (data: Buffer) => {
      const message = decodeServerMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      this.received.push(message);
      this.#inbox.push(message);
      this.#wake();
    });
    socket.on('error', () => {});
  }

  static connect(url: string): Promise<RawProtocolClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.binaryType = 'nodebuffer';
      const client = new RawProtocolClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  get isOpen(): boolean {
    return this.#socket.readyState === WebSocket.OPEN;
  }

  send(message: ClientMessage): void {
    this.#socket.send(encodeMessage(message), { binary: true });
  }

  sendFrame(frame: Uint8Array | string): void {
    this.#socket.send(frame, { binary: typeof frame !== 'string' });
  }

  /** The next message other than a server heartbeat ping. */
  async next(): Promise<ServerMessage> {
    for (;;) {
      const message = await this.#shift();
      if (message.type !== 'ping') return message;
    }
  }

  async expect<T extends ServerMessage['type']>(type: T): Promise<MessageOfType<T>> {
    const message = await this.next();
    if (message.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(message, jsonSafe)}`);
    return message as MessageOfType<T>;
  }

  /** Skips messages until one of `type` arrives. */
  async waitFor<T extends ServerMessage['type']>(type: T): Promise<MessageOfType<T>> {
    for (;;) {
      const message = await this.#shift();
      if (message.type === type) return message as MessageOfType<T>;
    }
  }

  /** Messages other than pings that have arrived and not been read. */
  pending(): ServerMessage[] {
    return this.#inbox.filter((message) => message.type !== 'ping');
  }

  close(): void {
    this.#socket.close();
  }

  async #shift(): Promise<ServerMessage> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const message = this.#inbox.shift();
      if (message !== undefined) return message;
      if (this.#closeEvent !== null) throw new Error(`connection closed (${this.#closeEvent.code} ${this.#closeEvent.reason}) while waiting`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error('no message within the wait');
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, remaining);
        this.#waiters.add(wake);
      });
    }
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}

export function helloMessage(
  database: string,
  clientSiteId: SiteId,
  schema: { readonly name: string; readonly version: number },
  overrides: Partial<Omit<HelloMessage, 'type'>> = {},
): HelloMessage {
  return {
    type: 'hello',
    protocolVersion: PROTOCOL_VERSION,
    database: database as DatabaseName,
    clientSiteId,
    schemaName: schema.name,
    schemaVersion: schema.version,
    lastServerSiteId: null,
    serverCursor: 0,
    ...overrides,
  };
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  return value;
}
