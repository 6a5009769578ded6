import type { CreateWebSocket, WebSocketLike } from '../client/websocket-like.ts';
import { SOCKET_STATE, frameBytes } from '../client/websocket-like.ts';
import { decodeServerMessage, encodeMessage } from '../protocol/codec.ts';
import type { DatabaseName, SiteId } from '../protocol/ids.ts';
import { DEFAULT_MAX_FRAME_BYTES, PROTOCOL_VERSION, SITE_SECRET_BYTES, type ClientMessage, type HelloMessage, type ServerMessage } from '../protocol/messages.ts';

export interface SocketClose {
  readonly code: number;
  readonly reason: string;
}

type MessageOfType<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

const DEFAULT_WAIT_MS = 10_000;

/**
 * A bare protocol client on any WebSocketLike (ws in Node, mock-socket in the
 * browser): it sends exactly the frames a test gives it and queues every
 * decoded server message, so a test checks the transport and the server
 * message by message, not the sync client. Imports nothing from Node: the
 * transport contract runs it in Chromium too.
 */
export class RawProtocolClient {
  readonly #socket: WebSocketLike;
  readonly #inbox: ServerMessage[] = [];
  readonly #waiters = new Set<() => void>();
  readonly #waitMs: number;
  /** Every message received, heartbeats included, in order. */
  readonly received: ServerMessage[] = [];
  readonly closed: Promise<SocketClose>;
  #closeEvent: SocketClose | null = null;
  /** What the first error event said, if anything: ws names the cause of a refused upgrade (for example the 503). */
  #errorMessage: string | null = null;

  private constructor(socket: WebSocketLike, waitMs: number) {
    this.#socket = socket;
    this.#waitMs = waitMs;
    socket.binaryType = 'arraybuffer';
    this.closed = new Promise((resolve) => {
      socket.onclose = (event) => {
        this.#closeEvent = { code: event.code, reason: event.reason };
        resolve(this.#closeEvent);
        this.#wake();
      };
    });
    socket.onmessage = (event) => {
      const bytes = frameBytes(event.data);
      if (bytes === null) throw new Error(`the server sent a non-binary frame: ${String(event.data).slice(0, 80)}`);
      const message = decodeServerMessage(bytes);
      this.received.push(message);
      this.#inbox.push(message);
      this.#wake();
    };
    socket.onerror = (event) => {
      this.#errorMessage ??= errorMessage(event);
    };
  }

  /**
   * Opens a socket; rejects, with the close it got and any error message, when
   * the socket closes before it opens. Each wait for a message gives up after
   * `waitMs`.
   */
  static open(createWebSocket: CreateWebSocket, url: string, options: { readonly waitMs?: number } = {}): Promise<RawProtocolClient> {
    const client = new RawProtocolClient(createWebSocket(url), options.waitMs ?? DEFAULT_WAIT_MS);
    return new Promise((resolve, reject) => {
      client.#socket.onopen = () => resolve(client);
      void client.closed.then((close) => {
        const cause = client.#errorMessage === null ? '' : `: ${client.#errorMessage}`;
        reject(new Error(`the socket closed (${close.code}) before it opened${cause}`));
      });
    });
  }

  get isOpen(): boolean {
    return this.#socket.readyState === SOCKET_STATE.open;
  }

  send(message: ClientMessage): void {
    this.#socket.send(encodeMessage(message));
  }

  sendBytes(bytes: Uint8Array): void {
    this.#socket.send(bytes);
  }

  /** A text frame, which no Greenlight peer may send; WebSocketLike declares binary sends only. */
  sendText(text: string): void {
    (this.#socket as unknown as { send(data: string): void }).send(text);
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
    if (message.type !== type) throw new Error(`expected ${type}, got ${describe(message)}`);
    return message as MessageOfType<T>;
  }

  /** Skips messages, pings included, until one of `type` (that `matches`) arrives. */
  async waitFor<T extends ServerMessage['type']>(type: T, matches: (message: MessageOfType<T>) => boolean = () => true): Promise<MessageOfType<T>> {
    for (;;) {
      const message = await this.#shift();
      if (message.type === type && matches(message as MessageOfType<T>)) return message as MessageOfType<T>;
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
    const deadline = Date.now() + this.#waitMs;
    for (;;) {
      const message = this.#inbox.shift();
      if (message !== undefined) return message;
      if (this.#closeEvent !== null) throw new Error(`the connection closed (${this.#closeEvent.code} ${this.#closeEvent.reason}) while waiting`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no message within ${this.#waitMs} ms`);
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

/**
 * The secret raw clients bring unless a test gives another: one for all, so that
 * a test reconnecting under a site id is let in again, while site ids keep
 * clients apart.
 */
export const TEST_SITE_SECRET = new Uint8Array(SITE_SECRET_BYTES).fill(7);

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
    siteSecret: TEST_SITE_SECRET,
    schemaName: schema.name,
    schemaVersion: schema.version,
    lastServerSiteId: null,
    serverCursor: 0,
    maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
    ...overrides,
  };
}

/** A browser's error event carries nothing; ws's carries a message. */
function errorMessage(event: unknown): string | null {
  const message = (event as { readonly message?: unknown } | null)?.message;
  return typeof message === 'string' && message !== '' ? message : null;
}

function describe(message: ServerMessage): string {
  return JSON.stringify(message, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Uint8Array) return `<${value.length} bytes>`;
    return value;
  });
}
