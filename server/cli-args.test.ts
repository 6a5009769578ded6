import { describe, expect, it } from 'vitest';
import { CliUsageError, DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, parseCliArgs } from './cli-args.ts';

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
      },
    });
  });

  it('reads every option, in both --flag value and --flag=value forms', () => {
    expect(
      parseCliArgs(['--port', '0', '--host=0.0.0.0', '--dir', '/srv/data', '--schema=s.sql', '--allow-exec', '--admin-token', 'T', '--no-create']),
    ).toEqual({
      kind: 'serve',
      options: { port: 0, host: '0.0.0.0', dataDir: '/srv/data', schemaPath: 's.sql', allowExec: true, adminToken: 'T', allowCreate: false },
    });
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
