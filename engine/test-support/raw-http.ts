import { connect } from 'node:net';

export interface RawExchange {
  /** The status of the first response, or null if none came. */
  readonly status: number | null;
  /** Everything the server sent. */
  readonly response: string;
  /** Body bytes written before the server closed the connection (or the send finished). */
  readonly sentBodyBytes: number;
  /** From the first byte written to the connection closing; null if it stayed open until `giveUpMs`. */
  readonly closedAfterMs: number | null;
}

export interface RawSendOptions {
  /** False: the head is sent without its closing blank line, as a slow client would. */
  readonly completeHead?: boolean;
  /** Written right after the head, e.g. a chunk-size line. */
  readonly bodyPrefix?: string;
  /** Body bytes to send after the head, in `chunkBytes` pieces every `intervalMs`. */
  readonly bodyBytes?: number;
  readonly chunkBytes?: number;
  readonly intervalMs?: number;
  /** Keep sending after the server's FIN, as a hostile client would; only the server's reset stops it. */
  readonly ignoreServerClose?: boolean;
  /** Stop waiting (and destroy the socket) after this long. */
  readonly giveUpMs?: number;
}

/**
 * Sends a hand-written HTTP request head and then, slowly, a body, over a plain
 * TCP socket, and reports when the server closed the connection: what `fetch`
 * cannot show (it hides whether the server stopped reading). Bounded in time.
 */
export function rawHttpExchange(port: number, head: string, options: RawSendOptions = {}): Promise<RawExchange> {
  const bodyBytes = options.bodyBytes ?? 0;
  const chunk = Buffer.alloc(options.chunkBytes ?? 64 * 1024, 0x20);
  const giveUpMs = options.giveUpMs ?? 10_000;
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: options.ignoreServerClose === true });
    const started = Date.now();
    let response = '';
    let sent = 0;
    let closedAfterMs: number | null = null;
    let pump: ReturnType<typeof setInterval> | undefined;
    const finish = (): void => {
      clearInterval(pump);
      clearTimeout(giveUp);
      const match = /^HTTP\/1\.1 (\d{3})/.exec(response);
      resolve({ status: match?.[1] === undefined ? null : Number(match[1]), response, sentBodyBytes: sent, closedAfterMs });
    };
    const giveUp = setTimeout(() => {
      socket.destroy();
      finish();
    }, giveUpMs);
    socket.on('data', (data: Buffer) => (response += data.toString('latin1')));
    // A reset is how a server that stopped reading often ends it; it is still a close.
    socket.on('error', () => {});
    socket.once('close', () => {
      closedAfterMs = Date.now() - started;
      finish();
    });
    socket.once('connect', () => {
      const lines = head.replace(/\n/g, '\r\n').replace(/(\r\n)*$/, '');
      socket.write(`${lines}\r\n${options.completeHead === false ? '' : '\r\n'}${options.bodyPrefix ?? ''}`);
      if (bodyBytes === 0) return;
      pump = setInterval(() => {
        if (socket.destroyed || sent >= bodyBytes) {
          clearInterval(pump);
          return;
        }
        const piece = chunk.subarray(0, Math.min(chunk.length, bodyBytes - sent));
        sent += piece.length;
        socket.write(piece);
      }, options.intervalMs ?? 5);
    });
  });
}
