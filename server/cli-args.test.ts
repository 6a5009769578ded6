import { describe, expect, it } from 'vitest';
import { CliUsageError, DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_LIMITS, DEFAULT_PORT, parseCliArgs } from './cli-args.ts';

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
        allowCreate: true,
        limits: { maxDatabases: 1000, idleDatabaseCloseMs: 60_000, handshakeTimeoutMs: 5000, httpHeadersTimeoutMs: 10_000, maxConnections: 10_000, maxConnectionsPerAddress: 64 },
      },
    });
  });

  it('reads every option, in both --flag value and --flag=value forms', () => {
    expect(
      parseCliArgs(['--port', '0', '--host=0.0.0.0', '--dir', '/srv/data', '--schema=s.sql', '--allow-exec', '--admin-token', 'T', '--no-create']),
    ).toEqual({
      kind: 'serve',
      options: {
        port: 0,
        host: '0.0.0.0',
        dataDir: '/srv/data',
        schemaPath: 's.sql',
        allowExec: true,
        adminToken: 'T',
        allowCreate: false,
        limits: DEFAULT_LIMITS,
      },
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
      options: { limits: { maxDatabases: 0, idleDatabaseCloseMs: 250, handshakeTimeoutMs: 1500, httpHeadersTimeoutMs: 2000, maxConnections: 50, maxConnectionsPerAddress: 5 } },
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
  });
});
