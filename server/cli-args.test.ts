import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAdminTokenFile } from './admin-token-file.ts';
import { CliUsageError, DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_LIMITS, DEFAULT_PORT, parseCliArgs, validateCliOptions, type CliOptions } from './cli-args.ts';

const TOKEN = 't'.repeat(32);

describe('parseCliArgs', () => {
  it('uses the defaults when given nothing', () => {
    expect(parseCliArgs([])).toEqual({
      kind: 'serve',
      options: {
        port: DEFAULT_PORT,
        host: DEFAULT_HOST,
        dataDir: DEFAULT_DATA_DIR,
        schemaPath: undefined,
        allowExec: false,
        adminToken: undefined,
        adminTokenFile: undefined,
        allowCreate: true,
        limits: { maxDatabases: 1000, idleDatabaseCloseMs: 60_000, handshakeTimeoutMs: 5000, maxConnections: 10_000, maxConnectionsPerAddress: 64 },
        corsOrigins: [],
        insecureNoAuth: false,
        httpHeadersTimeoutMs: undefined,
        httpBodyTimeoutMs: undefined,
        maxBufferedBodyBytes: undefined,
      },
    });
  });

  it('reads every option, in both --flag value and --flag=value forms', () => {
    expect(
      parseCliArgs([
        '--port',
        '0',
        '--host=0.0.0.0',
        '--insecure-no-auth',
        '--dir',
        '/srv/data',
        '--schema=s.sql',
        '--admin-token',
        TOKEN,
        '--no-create',
        '--cors-origin',
        'http://localhost:6006,http://127.0.0.1:6006',
        '--cors-origin=https://app.example.com',
        '--http-headers-timeout-ms',
        '5000',
        '--http-body-timeout-ms=7000',
        '--max-buffered-body-bytes',
        '1048576',
      ]),
    ).toEqual({
      kind: 'serve',
      options: {
        port: 0,
        host: '0.0.0.0',
        dataDir: '/srv/data',
        schemaPath: 's.sql',
        allowExec: false,
        adminToken: TOKEN,
        adminTokenFile: undefined,
        allowCreate: false,
        limits: DEFAULT_LIMITS,
        corsOrigins: ['http://localhost:6006', 'http://127.0.0.1:6006', 'https://app.example.com'],
        insecureNoAuth: true,
        httpHeadersTimeoutMs: 5000,
        httpBodyTimeoutMs: 7000,
        maxBufferedBodyBytes: 1048576,
      },
    });
    expect(parseCliArgs(['--allow-exec', '--host', '::1', '--admin-token-file', '/run/secrets/t'])).toMatchObject({
      options: { allowExec: true, host: '::1', adminTokenFile: '/run/secrets/t' },
    });
  });

  it('reads every limit, and refuses limits that are not whole numbers or are below their minimum', () => {
    const command = parseCliArgs([
      '--max-databases',
      '0',
      '--idle-database-close-ms=250',
      '--handshake-timeout-ms',
      '1500',
      '--http-headers-timeout-ms=2000',
      '--max-connections',
      '50',
      '--max-connections-per-address=5',
    ]);
    expect(command).toMatchObject({
      options: { limits: { maxDatabases: 0, idleDatabaseCloseMs: 250, handshakeTimeoutMs: 1500, maxConnections: 50, maxConnectionsPerAddress: 5 }, httpHeadersTimeoutMs: 2000 },
    });
    expect(() => parseCliArgs(['--max-connections', '0'])).toThrow(/--max-connections must be a whole number >= 1/);
    expect(() => parseCliArgs(['--handshake-timeout-ms', '1.5'])).toThrow(/--handshake-timeout-ms/);
    expect(() => parseCliArgs(['--max-databases', '-3'])).toThrow(/--max-databases/);
    expect(() => parseCliArgs(['--idle-database-close-ms'])).toThrow(/needs a value/);
  });

  it('answers --help', () => {
    expect(parseCliArgs(['--port', '1', '--help'])).toEqual({ kind: 'help' });
  });

  it('refuses unknown options, missing values and bad ports', () => {
    expect(() => parseCliArgs(['--bogus'])).toThrow(CliUsageError);
    expect(() => parseCliArgs(['--dir'])).toThrow(/--dir needs a value/);
    expect(() => parseCliArgs(['--port', '70000'])).toThrow(/--port/);
    expect(() => parseCliArgs(['--port', '-1'])).toThrow(/--port/);
    expect(() => parseCliArgs(['--port', 'http'])).toThrow(/--port/);
    expect(() => parseCliArgs(['--max-buffered-body-bytes', '0'])).toThrow(/--max-buffered-body-bytes/);
    expect(() => parseCliArgs(['--cors-origin', '*'])).toThrow(/--cors-origin/);
  });
});

describe('validateCliOptions', () => {
  const base = (parseCliArgs([]) as { options: CliOptions }).options;

  it('accepts --allow-exec only on a loopback host, even with --insecure-no-auth', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(() => validateCliOptions({ ...base, host, allowExec: true })).not.toThrow();
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'example.com']) {
      expect(() => validateCliOptions({ ...base, host, allowExec: true, insecureNoAuth: true }), host).toThrow(/--allow-exec .*loopback/);
    }
  });

  it('refuses a non-loopback host without --insecure-no-auth, whatever the admin token', () => {
    expect(() => validateCliOptions({ ...base, host: '0.0.0.0' })).toThrow(/--insecure-no-auth/);
    expect(() => validateCliOptions({ ...base, host: '0.0.0.0', adminToken: TOKEN })).toThrow(/--insecure-no-auth/);
    expect(() => validateCliOptions({ ...base, host: '0.0.0.0', insecureNoAuth: true })).not.toThrow();
  });

  it('refuses a short --admin-token and both token flags at once', () => {
    expect(() => validateCliOptions({ ...base, adminToken: 't'.repeat(31) })).toThrow(/32 bytes/);
    expect(() => validateCliOptions({ ...base, adminToken: TOKEN, adminTokenFile: 'f' })).toThrow(/not both/);
  });
});

describe('readAdminTokenFile', () => {
  it('reads the token without its final line break, and refuses one shorter than 32 bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'greenlight-token-'));
    try {
      writeFileSync(join(dir, 'good'), `${TOKEN}\n`);
      writeFileSync(join(dir, 'short'), `${'t'.repeat(31)}\n`);
      expect(readAdminTokenFile(join(dir, 'good'))).toBe(TOKEN);
      expect(() => readAdminTokenFile(join(dir, 'short'))).toThrow(/at least 32 bytes/);
      expect(() => readAdminTokenFile(join(dir, 'missing'))).toThrow(/cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
