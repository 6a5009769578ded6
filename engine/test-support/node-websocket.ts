import { WebSocket } from 'ws';
import type { WebSocketLike } from '../client/websocket-like.ts';
import { RawProtocolClient } from './raw-protocol-client.ts';

/** ws's WebSocket has the browser API; only its declared event types differ. */
export const createNodeWebSocket = (url: string): WebSocketLike => new WebSocket(url) as unknown as WebSocketLike;

/** The server tests' wait for each message: they run on loopback, where 5 s is already generous. */
const SERVER_TEST_WAIT_MS = 5_000;

/** A raw protocol client over ws, for the Node server's own tests. */
export function connectRawClient(url: string): Promise<RawProtocolClient> {
  return RawProtocolClient.open(createNodeWebSocket, url, { waitMs: SERVER_TEST_WAIT_MS });
}
