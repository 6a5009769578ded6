import type { IncomingMessage } from 'node:http';
import type { HttpBodyBudget } from './http-body-budget.ts';

export interface BodyLimits {
  /** One request's limit; a larger body gets 413. */
  readonly maxBytes: number;
  /** Shared by every connection; a body that does not fit gets 503. */
  readonly budget: HttpBodyBudget;
  /** From the first body byte awaited to the last; a slower body gets 408. */
  readonly timeoutMs: number;
}

export type BodyOutcome =
  /** `release` returns the bytes to the budget once the request is answered. */
  | { readonly kind: 'read'; readonly text: string; readonly release: () => void }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'busy' }
  | { readonly kind: 'timeout' }
  /** The client went away; there is no one to answer. */
  | { readonly kind: 'aborted' };

/**
 * Reads a request body within its limits. A declared `Content-Length` is checked
 * and reserved before any byte is read, so a body that cannot fit is refused at
 * once; a chunked body is reserved chunk by chunk. On any outcome but `read` the
 * reading stops and the reserved bytes are returned: the caller answers and
 * closes the connection, so the rest of the body is never read.
 */
export function readBoundedBody(request: IncomingMessage, limits: BodyLimits): Promise<BodyOutcome> {
  const declared = declaredLength(request);
  if (declared !== null && declared > limits.maxBytes) return Promise.resolve({ kind: 'too-large' });
  if (declared !== null && !limits.budget.tryReserve(declared)) return Promise.resolve({ kind: 'busy' });
  let reserved = declared ?? 0;
  const release = (): void => {
    limits.budget.release(reserved);
    reserved = 0;
  };

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: BodyOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.off('data', onData);
      if (outcome.kind === 'read') {
        resolve(outcome);
        return;
      }
      request.pause();
      release();
      resolve(outcome);
    };
    const timer = setTimeout(() => settle({ kind: 'timeout' }), limits.timeoutMs);
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limits.maxBytes) return settle({ kind: 'too-large' });
      if (declared === null) {
        if (!limits.budget.tryReserve(chunk.length)) return settle({ kind: 'busy' });
        reserved += chunk.length;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => settle({ kind: 'read', text: Buffer.concat(chunks).toString('utf8'), release }));
    request.once('error', () => settle({ kind: 'aborted' }));
    request.once('close', () => {
      if (!request.complete) settle({ kind: 'aborted' });
    });
  });
}

function declaredLength(request: IncomingMessage): number | null {
  const header = request.headers['content-length'];
  if (header === undefined || !/^\d+$/.test(header)) return null;
  return Number(header);
}
