import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isErrorOfKind } from '../errors.ts';
import type { RunningSyncServer } from '../server/node-sync-server.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import { waitFor, waitForStatus } from './integration-harness.ts';
import {
  attachValuesDevice,
  execJson,
  execValues,
  localContents,
  serverContents,
  serverVersion,
  settledAt,
  startValuesServer,
  type ValuesDevice,
} from './typed-values-harness.ts';

/**
 * Values cross from one database to another with their storage class and their
 * exact bytes, over the real server on loopback (issue 10, items 1 and 2).
 */

let dataDir: string;
let server: RunningSyncServer;
const devices: ValuesDevice[] = [];

beforeEach(async () => {
  dataDir = makeDataDir();
  server = await startValuesServer(dataDir);
});

afterEach(async () => {
  for (const device of devices.splice(0)) {
    await device.client.stop();
    device.connection.close();
  }
  await server.close();
  removeDataDir(dataDir);
});

async function syncedDevice(): Promise<ValuesDevice> {
  const device = await attachValuesDevice(server);
  devices.push(device);
  device.client.start();
  await waitForStatus(device.client, 'synced');
  return device;
}

/** Waits until every device is green with nothing pending and has applied all the server committed. */
async function allSettled(...waiting: ValuesDevice[]): Promise<void> {
  await waitFor('every client settled', async () => {
    const version = await serverVersion(server);
    return waiting.every((device) => settledAt(device, version));
  });
}

describe('integral REALs', () => {
  it('a client offline writes price 1.0, the server 0.0 for the same row: every copy ends with the same REAL', async () => {
    const device = await syncedDevice();
    await device.client.stop();
    device.connection.exec("INSERT INTO prices (k, price) VALUES ('k', 1)");
    await execValues(server, "INSERT INTO prices (k, price) VALUES ('k', 0)");
    device.client.start();
    await allSettled(device);

    const expected = await serverContents(server);
    expect(localContents(device.connection)).toEqual(expected);
    // cr-sqlite keeps the greater value on a tie: 1.0, a REAL on both sides.
    expect(expected).toEqual([['k', { real: 1 }, 'real']]);
  });

  it('two clients offline write 2.0 and 3.0, the server 0.0, for the same row: all three copies end the same', async () => {
    const two = await syncedDevice();
    const three = await syncedDevice();
    await two.client.stop();
    await three.client.stop();
    two.connection.exec("INSERT INTO prices (k, price) VALUES ('k', 2)");
    three.connection.exec("INSERT INTO prices (k, price) VALUES ('k', 3)");
    await execValues(server, "INSERT INTO prices (k, price) VALUES ('k', 0)");
    two.client.start();
    await allSettled(two);
    three.client.start();
    await allSettled(two, three);

    const expected = await serverContents(server);
    expect(localContents(two.connection)).toEqual(expected);
    expect(localContents(three.connection)).toEqual(expected);
    expect(expected).toEqual([['k', { real: 3 }, 'real']]);
  });
});

describe('text', () => {
  it('keeps a leading BOM through a local read and a round trip through the server to another client', async () => {
    const writer = await syncedDevice();
    const reader = await syncedDevice();
    writer.connection.exec('INSERT INTO cells (id, v) VALUES (1, ?)', ['\ufeffhello']);
    expect(writer.connection.all('SELECT v FROM cells')).toEqual([['\ufeffhello']]);
    await execValues(server, 'INSERT INTO cells (id, v) VALUES (2, ?)', ['\ufeffserver']);
    await allSettled(writer, reader);

    const bytes = 'SELECT id, hex(v) FROM cells ORDER BY id';
    const expected = [
      [1, 'EFBBBF68656C6C6F'],
      [2, 'EFBBBF736572766572'],
    ];
    expect((await execValues(server, bytes)).rows).toEqual(expected);
    expect(writer.connection.all(bytes)).toEqual(expected);
    expect(reader.connection.all(bytes)).toEqual(expected);
    expect(reader.connection.all('SELECT v FROM cells ORDER BY id')).toEqual([['\ufeffhello'], ['\ufeffserver']]);
  });

  it('refuses a bound string with a lone surrogate with invalid-value, and nothing is written or sent', async () => {
    const device = await syncedDevice();
    let refusal: unknown;
    try {
      device.connection.exec('INSERT INTO cells (id, v) VALUES (1, ?)', ['a\ud800b']);
    } catch (error) {
      refusal = error;
    }
    expect(isErrorOfKind(refusal, 'invalid-value')).toBe(true);
    const overHttp = await execJson(server, 'INSERT INTO cells (id, v) VALUES (2, ?)', ['\udc00z']);
    expect(overHttp).toMatchObject({ status: 400, body: { error: { kind: 'invalid-value' } } });

    await execValues(server, "INSERT INTO cells (id, v) VALUES (3, 'after')");
    await allSettled(device);
    expect(localContents(device.connection)).toEqual([[3, 'after', 'text']]);
    expect(await serverContents(server)).toEqual([[3, 'after', 'text']]);
  });
});

describe('-0.0', () => {
  it('arrives as REAL -0.0 on the server and on another client', async () => {
    const writer = await syncedDevice();
    const reader = await syncedDevice();
    writer.connection.exec('INSERT INTO cells (id, v) VALUES (1, ?)', [-0]);
    await allSettled(writer, reader);

    expect((await execValues(server, 'SELECT v, typeof(v) FROM cells')).rows).toEqual([[{ real: '-0' }, 'real']]);
    const [row] = reader.connection.all<[number, string]>('SELECT v, typeof(v) FROM cells');
    expect(row?.[1]).toBe('real');
    expect(1 / (row?.[0] ?? 0)).toBe(-Infinity);
  });
});
