import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { WebSocketLike } from '../client/websocket-like.ts';
import { waitUntil } from '../test-support/wait-until.ts';
import { TRUTHFUL_TIMING, TruthfulRig } from './truthful-harness.ts';

/**
 * Giving up on a socket that has not opened yet (stop, or the silence check of a
 * server that accepts TCP but never answers the upgrade) must not throw in the
 * host. With `ws` in Node, closing a CONNECTING socket emits 'error'; an
 * EventEmitter 'error' with no listener is an uncaught exception that ends the
 * process. The client's sockets are wrapped here to catch exactly that moment
 * (an 'error' emitted while nobody listens) instead of letting it crash the run.
 */

let rig: TruthfulRig;
let silent: Server;
let silentUrl: string;
const accepted: Socket[] = [];
let closedByClient = 0;
let unhandled: string[];

/** A ws socket that records, and swallows, any 'error' emitted with no listener. */
function watchedWebSocket(url: string): WebSocketLike {
  const socket = new WebSocket(url);
  const emit = socket.emit.bind(socket);
  socket.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'error' && socket.listenerCount('error') === 0) {
      unhandled.push(String((args[0] as Error | undefined)?.message));
      return false;
    }
    return emit(event, ...args);
  }) as typeof socket.emit;
  return socket as unknown as WebSocketLike;
}

beforeEach(async () => {
  unhandled = [];
  closedByClient = 0;
  rig = await TruthfulRig.create();
  // Takes the TCP connection, never answers the HTTP upgrade: the socket stays CONNECTING.
  silent = createServer((socket) => {
    accepted.push(socket);
    socket.on('error', () => {});
    // Read (and ignore) the upgrade request, so the client's hang-up is seen as a close.
    socket.resume();
    socket.on('close', () => {
      closedByClient += 1;
    });
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  silentUrl = `ws://127.0.0.1:${address.port}/sync`;
});

afterEach(async () => {
  await rig.close();
  for (const socket of accepted.splice(0)) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

describe('tearing down a socket that never opened', () => {
  it('on stop() raises no unhandled error', async () => {
    const watched = await rig.openClient('stop-while-connecting', { url: silentUrl, createWebSocket: watchedWebSocket });
    watched.client.start();
    await waitUntil('the TCP connection to reach the silent server', () => accepted.length > 0);
    await watched.client.stop();
    // ws reports the aborted handshake on a later turn: wait until the client's side is really gone.
    await waitUntil('the client to drop the TCP connection', () => closedByClient === accepted.length, 5_000);
    expect(unhandled).toEqual([]);
  });

  it('when the silence check gives up raises no unhandled error, and says server-unreachable', async () => {
    const watched = await rig.openClient('silent-upgrade', { url: silentUrl, createWebSocket: watchedWebSocket });
    watched.client.start();
    // The first attempt is abandoned after heartbeatTimeoutMs; the retry proves the loop went on.
    await waitUntil('a second TCP connection', () => accepted.length >= 2, TRUTHFUL_TIMING.heartbeatTimeoutMs + 3_000);
    expect(watched.status()).toMatchObject({ status: 'disconnected', reason: 'server-unreachable' });
    expect(unhandled).toEqual([]);
  });
});
