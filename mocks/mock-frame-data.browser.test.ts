import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../engine/protocol/codec.ts';
import { TEST_SCHEMA } from '../engine/test-support/test-client-database.ts';
import { RawProtocolClient } from '../engine/test-support/raw-protocol-client.ts';
import { readMockFrame, toArrayBuffer } from './mock-frame-data.ts';
import { createMockSyncBackend } from './mock-sync-backend.ts';

describe('mock frame data', () => {
  it('copies exactly the bytes of a view into a larger buffer', async () => {
    const buffer = new Uint8Array([9, 9, 1, 2, 3, 9]).buffer;
    expect(await readMockFrame(new Uint8Array(buffer, 2, 3))).toEqual({ kind: 'binary', bytes: new Uint8Array([1, 2, 3]) });
    expect(await readMockFrame(new DataView(buffer, 1, 2))).toEqual({ kind: 'binary', bytes: new Uint8Array([9, 1]) });
  });

  it('reads ArrayBuffers and Blobs as binary, and strings as text', async () => {
    expect(await readMockFrame(new Uint8Array([4, 5]).buffer)).toEqual({ kind: 'binary', bytes: new Uint8Array([4, 5]) });
    expect(await readMockFrame(new Blob([new Uint8Array([6, 7])]))).toEqual({ kind: 'binary', bytes: new Uint8Array([6, 7]) });
    expect(await readMockFrame('1,2,3')).toEqual({ kind: 'text', text: '1,2,3' });
  });

  it('turns a view into a standalone ArrayBuffer of its own bytes', () => {
    const view = new Uint8Array([0, 1, 2, 3, 4]).subarray(1, 4);
    const buffer = toArrayBuffer(view);
    expect(buffer.byteLength).toBe(3);
    expect(new Uint8Array(buffer)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('keeps a Blob frame, read asynchronously, ahead of the typed array sent after it', async () => {
    const backend = await createMockSyncBackend({ schema: TEST_SCHEMA });
    try {
      const webSocket = backend.createWebSocket(backend.url);
      const socket = await RawProtocolClient.open(() => webSocket, backend.url);
      // Pings need no handshake; the Blob goes through the raw socket, as a browser app might send it.
      (webSocket as unknown as { send(data: Blob): void }).send(new Blob([toArrayBuffer(encodeMessage({ type: 'ping', sentAt: 1, serverVersion: 0 }))]));
      socket.send({ type: 'ping', sentAt: 2, serverVersion: 0 });
      expect(await socket.expect('pong')).toMatchObject({ sentAt: 1 });
      expect(await socket.expect('pong')).toMatchObject({ sentAt: 2 });
      socket.close();
    } finally {
      await backend.stop();
    }
  });
});
