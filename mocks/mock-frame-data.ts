/** One frame as it crossed mock-socket: binary bytes, or text (never a Greenlight frame). */
export type MockFrame = { readonly kind: 'binary'; readonly bytes: Uint8Array } | { readonly kind: 'text'; readonly text: string };

/**
 * Reads what a mock-socket client sent. mock-socket hands the server the very
 * object the client passed to `send` (an ArrayBuffer, any typed-array view, a
 * Blob or a string), so views are copied to exactly their own bytes: a view
 * into a larger buffer must not drag its neighbours along.
 */
export async function readMockFrame(data: unknown): Promise<MockFrame> {
  if (typeof data === 'string') return { kind: 'text', text: data };
  if (data instanceof ArrayBuffer) return { kind: 'binary', bytes: new Uint8Array(data.slice(0)) };
  if (ArrayBuffer.isView(data)) return { kind: 'binary', bytes: copyOfView(data) };
  if (data instanceof Blob) return { kind: 'binary', bytes: new Uint8Array(await data.arrayBuffer()) };
  return { kind: 'text', text: String(data) };
}

/**
 * The bytes as a standalone ArrayBuffer, the only binary form mock-socket passes
 * from server to client untouched: it turns any typed array into a string such
 * as "1,2,3". It delivers this ArrayBuffer whatever the client's binaryType.
 */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

function copyOfView(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}
