import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { thrown } from '../test-support/thrown.ts';
import { encodeMessage } from './codec.ts';
import { checkFrameLimitOption, checkOutgoingFrame, clientSendLimit, MIN_MAX_FRAME_BYTES, REENCODE_GROWTH_BYTES, serverSendLimit } from './frame-limits.ts';
import type { Change } from './messages.ts';

const version = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

describe('REENCODE_GROWTH_BYTES', () => {
  it('covers what a lone change’s frame can grow by when the server puts its own versions on it', () => {
    fc.assert(
      fc.property(fc.string(), fc.uint8Array({ maxLength: 40 }), fc.string(), fc.string(), version, version, version, (table, pk, cid, val, colVersion, cl, seq) => {
        const change: Change = { table, pk, cid, val, colVersion, dbVersion: 1, siteId: new Uint8Array(16), cl, seq };
        // The smallest versions a client can put on it against the largest a server can.
        const fromClient = encodeMessage({ type: 'changes', changes: [change], throughVersion: 0 });
        const max = Number.MAX_SAFE_INTEGER;
        const fromServer = encodeMessage({ type: 'changes', changes: [{ ...change, dbVersion: max }], throughVersion: max });
        expect(fromServer.byteLength - fromClient.byteLength).toBeLessThanOrEqual(REENCODE_GROWTH_BYTES);
      }),
    );
  });
});

describe('the limits on one connection', () => {
  it('are the smaller of the two for the server, minus the growth for the client', () => {
    expect(serverSendLimit(32_768, 65_536)).toBe(32_768);
    expect(serverSendLimit(65_536, 32_768)).toBe(32_768);
    expect(clientSendLimit(65_536, 32_768)).toBe(32_768 - REENCODE_GROWTH_BYTES);
  });

  it('are checked on every frame before it is sent, and on the configured option', () => {
    expect(() => checkOutgoingFrame(new Uint8Array(100), 100, 'changes', 'client')).not.toThrow();
    expect(thrown(() => checkOutgoingFrame(new Uint8Array(101), 100, 'changes', 'server'))).toMatchObject({ kind: 'internal', origin: 'server' });
    expect(checkFrameLimitOption(MIN_MAX_FRAME_BYTES, 'client')).toBe(MIN_MAX_FRAME_BYTES);
    expect(thrown(() => checkFrameLimitOption(MIN_MAX_FRAME_BYTES - 1, 'client')).kind).toBe('internal');
    expect(thrown(() => checkFrameLimitOption(1.5e6 + 0.5, 'server')).kind).toBe('internal');
  });
});
