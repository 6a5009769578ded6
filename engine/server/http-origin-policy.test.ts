import { describe, expect, it } from 'vitest';
import { createOriginPolicy, parseCorsOrigins } from './http-origin-policy.ts';
import { isLoopbackHost } from './loopback-host.ts';

describe('isLoopbackHost', () => {
  it('knows the loopback names and addresses, and nothing else', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.255.3.4', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '', '128.0.0.1', '127.0.0.256', '10.0.0.1', 'localhost.evil.example', '::ffff:10.0.0.1', '127.0.0.1.nip.io']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});

describe('origin policy', () => {
  it('reads repeated and comma-separated origins, and refuses * and origins with a path', () => {
    expect(parseCorsOrigins(['http://localhost:6006,http://127.0.0.1:6006', 'https://App.example.com/'])).toEqual([
      'http://localhost:6006',
      'http://127.0.0.1:6006',
      'https://app.example.com',
    ]);
    for (const bad of ['*', 'null', 'localhost:6006', 'http://x.example/app', 'file:///tmp', 'ws://x.example']) {
      expect(() => parseCorsOrigins([bad]), bad).toThrow(expect.objectContaining({ kind: 'invalid-options' }));
    }
  });

  it('allows listed origins, same-host loopback pages and requests without Origin; refuses the rest', () => {
    const policy = createOriginPolicy(['http://localhost:6006']);
    expect(policy.decide(undefined, '127.0.0.1:8787')).toEqual({ kind: 'no-origin' });
    expect(policy.decide('http://localhost:6006', '127.0.0.1:8787')).toEqual({ kind: 'listed', origin: 'http://localhost:6006' });
    expect(policy.decide('http://127.0.0.1:8787', '127.0.0.1:8787')).toEqual({ kind: 'same-host' });
    // Another port is another origin; a rebinding name equal to its Host is not trusted.
    expect(policy.decide('http://127.0.0.1:6006', '127.0.0.1:8787')).toMatchObject({ kind: 'foreign' });
    expect(policy.decide('http://evil.example:8787', 'evil.example:8787')).toMatchObject({ kind: 'foreign' });
    expect(policy.decide('null', '127.0.0.1:8787')).toMatchObject({ kind: 'foreign' });
  });
});
