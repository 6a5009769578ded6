import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeClientMessage, encodeMessage } from '../protocol/codec.ts';
import type { ClientMessage, ServerMessage } from '../protocol/messages.ts';

type MessageOfType<T extends ClientMessage['type']> = Extract<ClientMessage, { type: T }>;

const WAIT_MS = 5_000;

/**
 * One client connection to a ScriptedFakeServer: the test reads what the client
 * sends and answers with whatever frames it likes, true or not.
 */
export class FakeServerConnection {
  readonly #socket: WebSocket;
  readonly #inbox: ClientMessage[] = [];
  #wake: (() => void) | null = null;
  #closed = false;

  /** What a pong says the server's version is. */
  pongVersion = 0;

  constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data: Buffer) => {
      const message = decodeClientMessage(new Uint8Array(data));
      // Pongs are answered here, so a connection the test leaves alone stays alive.
      if (message.type === 'ping') this.send({ type: 'pong', sentAt: message.sentAt, serverVersion: this.pongVersion });
      else this.#inbox.push(message);
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(message: ServerMessage): void {
    this.#socket.send(encodeMessage(message));
  }

  close(): void {
    this.#socket.close();
  }

  /** The next client message of `type` (others stay queued); pings never arrive here. */
  async waitFor<T extends ClientMessage['type']>(type: T): Promise<MessageOfType<T>> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const index = this.#inbox.findIndex((message) => message.type === type);
      if (index >= 0) return this.#inbox.splice(index, 1)[0] as MessageOfType<T>;
      if (this.#closed) throw new Error(`the client closed while the fake server waited for ${type}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no ${type} from the client within ${WAIT_MS} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = null;
          resolve();
        };
      });
    }
  }
}

/**
 * A server that is not Greenlight's: a bare `ws` server on loopback whose every
 * frame a test writes, to check what the client refuses to believe.
 */
export class ScriptedFakeServer {
  readonly #server: WebSocketServer;
  readonly connections: FakeServerConnection[] = [];
  readonly #waiters = new Set<() => void>();

  private constructor(server: WebSocketServer) {
    this.#server = server;
    server.on('connection', (socket) => {
      const connection = new FakeServerConnection(socket);
      this.connections.push(connection);
      for (const wake of [...this.#waiters]) wake();
    });
  }

  static async start(): Promise<ScriptedFakeServer> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    return new ScriptedFakeServer(server);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.#server.address() as AddressInfo).port}/sync`;
  }

  /** The `index`th connection (0 is the first), once the client has opened it. */
  async connection(index: number): Promise<FakeServerConnection> {
    const deadline = Date.now() + WAIT_MS;
    while (this.connections[index] === undefined) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no connection ${index} within ${WAIT_MS} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        const wake = (): void => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        this.#waiters.add(wake);
      });
    }
    return this.connections[index] as FakeServerConnection;
  }

  async close(): Promise<void> {
    for (const client of this.#server.clients) client.terminate();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
