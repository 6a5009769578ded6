import { GreenlightError } from '../errors.ts';

/**
 * The part of the browser WebSocket API the sync client uses. The browser's
 * WebSocket, `ws`'s WebSocket in Node and mock-socket's all satisfy it, so the
 * client never depends on one of them.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type CreateWebSocket = (url: string) => WebSocketLike;

/** The numeric readyState values shared by every WebSocket implementation. */
export const SOCKET_STATE = {
  connecting: 0,
  open: 1,
  closing: 2,
  closed: 3,
} as const;

/** Uses the host's global WebSocket (browsers, workers, Node 22+). */
export const createGlobalWebSocket: CreateWebSocket = (url) => {
  const Socket = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  if (Socket === undefined) {
    throw new GreenlightError(
      'transport',
      'transport',
      'this runtime has no global WebSocket: pass createWebSocket (for example from the ws package)',
    );
  }
  return new Socket(url);
};

/** Turns whatever a WebSocket implementation delivers for a binary frame into bytes. */
export function frameBytes(data: unknown): Uint8Array | null {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data) && data.every((part) => part instanceof Uint8Array)) {
    const parts = data as Uint8Array[];
    const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
    const joined = new Uint8Array(total);
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.byteLength;
    }
    return joined;
  }
  return null;
}
