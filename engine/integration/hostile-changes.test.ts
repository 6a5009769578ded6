import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isGreen } from '../client/sync-status.ts';
import { varUintSize } from '../protocol/byte-writer.ts';
import { encodeMessage } from '../protocol/codec.ts';
import { CLOSE_CODES, type Change, type ChangesMessage } from '../protocol/messages.ts';
import type { ChangeRule } from '../server/invalid-change-error.ts';
import { connectRawClient } from '../test-support/node-websocket.ts';
import type { RawProtocolClient } from '../test-support/raw-protocol-client.ts';
import { helloMessage } from '../test-support/raw-protocol-client.ts';
import { TestClientDatabase } from '../test-support/test-client-database.ts';
import { waitUntil } from '../test-support/wait-until.ts';
import { TRUTHFUL_DATABASE, TRUTHFUL_SCHEMA, TruthfulRig, type WatchedClient } from './truthful-harness.ts';

/**
 * The server's change rules against a hostile peer on a real server: a frame
 * breaking a rule is refused with the rule's typed error, the server database
 * (app rows, cr-sqlite's clock and key tables, the per-client committed
 * versions) is byte for byte what it was, and two honest clients on the same
 * database stay green and identical to the server all along.
 */

const HONEST_ROWS = [1, 2, 3];
/**
 * The server's frame limit here: small, so that a frame filling it costs no
 * noticeable time in this process, which also runs the honest clients and
 * judges their heartbeats in about a second.
 */
const SERVER_MAX_FRAME_BYTES = 64 * 1024;

/** Everything a merge could touch on the server, as /exec reads it. */
async function dumpServer(rig: TruthfulRig): Promise<unknown> {
  const tables = ['items', 'items__crsql_clock', 'items__crsql_pks', 'greenlight_peers', 'crsql_site_id'];
  const dump: Record<string, unknown> = {};
  for (const table of tables) dump[table] = (await rig.exec(`SELECT * FROM "${table}" ORDER BY 1, 2`)).rows;
  dump['dbVersion'] = (await rig.meta()).dbVersion;
  return dump;
}

async function startHonestClients(rig: TruthfulRig): Promise<[WatchedClient, WatchedClient]> {
  const a = await rig.openClient('honest-a');
  const b = await rig.openClient('honest-b');
  a.client.start();
  b.client.start();
  await a.waitForStatus('synced');
  await b.waitForStatus('synced');
  await a.insertItems(HONEST_ROWS);
  await waitUntilIdentical(rig, [a, b], HONEST_ROWS.length);
  return [a, b];
}

/** Both clients synced and holding exactly the server's rows (at least `rows` of them). */
async function waitUntilIdentical(rig: TruthfulRig, clients: readonly WatchedClient[], rows: number): Promise<void> {
  let last = '';
  await waitUntil(
    () => `clients identical to the server (${last})`,
    async () => {
      const server = await rig.serverItems();
      const copies = await Promise.all(clients.map((client) => client.items()));
      last = JSON.stringify({ server, copies, statuses: clients.map((client) => client.status().status) });
      return (
        server.length >= rows &&
        copies.every((copy) => JSON.stringify(copy) === JSON.stringify(server)) &&
        clients.every((client) => client.status().status === 'synced')
      );
    },
    10_000,
    50,
  );
}

/** A hostile peer with a real cr-sqlite database, so its frames start from changes cr-sqlite made. */
async function connectAttacker(rig: TruthfulRig): Promise<{ raw: RawProtocolClient; db: TestClientDatabase }> {
  const db = await TestClientDatabase.open({ ...TRUTHFUL_SCHEMA });
  const raw = await connectRawClient(rig.server.wsUrl);
  raw.send(helloMessage(TRUTHFUL_DATABASE, db.siteId, TRUTHFUL_SCHEMA));
  await raw.expect('accept');
  await raw.waitFor('caught-up');
  return { raw, db };
}

/** The attacker writes rows (one transaction each) and returns its own changes after `since`, as cr-sqlite made them. */
function honestChanges(db: TestClientDatabase, ids: readonly number[], since: number): Change[] {
  for (const id of ids) db.connection.exec('INSERT INTO items (id, title) VALUES (?, ?)', [id, `attacker ${id}`]);
  return db.localChanges(since);
}

function packedKey(db: TestClientDatabase, id: number): Uint8Array {
  const pk = db.connection.all('SELECT crsql_pack_columns(?)', [id])[0]?.[0];
  if (!(pk instanceof Uint8Array)) throw new Error('no packed key');
  return pk;
}

function siteOf(client: WatchedClient): Uint8Array {
  const site = client.connection.all('SELECT crsql_site_id()')[0]?.[0];
  if (!(site instanceof Uint8Array)) throw new Error('no site id');
  return site;
}

function frame(changes: readonly Change[], throughVersion: number): ChangesMessage {
  return { type: 'changes', changes, throughVersion };
}

async function expectRefused(raw: RawProtocolClient, rule: ChangeRule, atFrameLimit = false): Promise<void> {
  const error = await raw.expect('error');
  if (atFrameLimit) {
    expect(error.code).toBe('frame-too-large');
    expect((await raw.closed).code).toBe(CLOSE_CODES.frameTooLarge);
    return;
  }
  expect(error.code).toBe('invalid-change');
  expect(error.message).toMatch(new RegExp(`^rule ${rule}: `));
  expect((await raw.closed).code).toBe(CLOSE_CODES.protocolError);
}

interface HostileCase {
  readonly name: string;
  readonly rule: ChangeRule;
  /** Refused as a whole frame over the connection's limit, before the change rules. */
  readonly refusedAtFrameLimit?: boolean;
  /** Honest frames the server must accept first, then the hostile one; each frame starts with a valid change where it can. */
  readonly frames: (ctx: { db: TestClientDatabase; victimSite: Uint8Array }) => {
    honest: ChangesMessage[];
    hostile: ChangesMessage;
    /** The hostile frame's exact size, where that is the point of the case. */
    frameBytes?: number;
  };
}

/** A valid change of row `id` at version 1, and the hostile change built from it. */
function withPrefix(db: TestClientDatabase, id: number, hostile: (valid: Change) => Change): ChangesMessage {
  const [valid] = honestChanges(db, [id], 0);
  if (valid === undefined) throw new Error('cr-sqlite made no change');
  return frame([valid, hostile(valid)], valid.dbVersion);
}

const EXISTING_ROW = HONEST_ROWS[0] ?? 1;

const CASES: readonly HostileCase[] = [
  {
    name: "another client's site id",
    rule: 'own-site',
    frames: ({ db, victimSite }) => ({ honest: [], hostile: withPrefix(db, 501, (valid) => ({ ...valid, pk: packedKey(db, 502), siteId: victimSite })) }),
  },
  {
    name: "Greenlight's own table",
    rule: 'known-table',
    frames: ({ db }) => ({ honest: [], hostile: withPrefix(db, 511, (valid) => ({ ...valid, table: 'greenlight_peers', cid: 'committed_version' })) }),
  },
  {
    name: 'a key column as cid',
    rule: 'known-column',
    frames: ({ db }) => ({ honest: [], hostile: withPrefix(db, 521, (valid) => ({ ...valid, pk: packedKey(db, 522), cid: 'id', val: 7 })) }),
  },
  {
    name: 'text in the INTEGER PRIMARY KEY',
    rule: 'primary-key',
    frames: ({ db }) => ({ honest: [], hostile: withPrefix(db, 531, (valid) => ({ ...valid, pk: new Uint8Array([1, 0x0b, 1, 0x61]) })) }),
  },
  {
    name: 'a truncated key',
    rule: 'primary-key',
    frames: ({ db }) => ({ honest: [], hostile: withPrefix(db, 541, (valid) => ({ ...valid, pk: valid.pk.subarray(0, valid.pk.length - 1) })) }),
  },
  {
    name: "a value of a deleted row (even cl) on a row the server has",
    rule: 'causal-length',
    frames: ({ db }) => ({
      honest: [],
      hostile: withPrefix(db, 551, (valid) => ({ ...valid, pk: packedKey(db, EXISTING_ROW), val: 'EVIL', colVersion: 5, cl: 4 })),
    }),
  },
  {
    name: "a delete sentinel whose col_version is not its cl",
    rule: 'column-version',
    frames: ({ db }) => ({
      honest: [],
      hostile: withPrefix(db, 561, (valid) => ({ ...valid, pk: packedKey(db, EXISTING_ROW), cid: '-1', val: null, colVersion: 9, cl: 2 })),
    }),
  },
  {
    name: 'a sentinel carrying a value',
    rule: 'sentinel-value',
    frames: ({ db }) => ({
      honest: [],
      hostile: withPrefix(db, 571, (valid) => ({ ...valid, pk: packedKey(db, EXISTING_ROW), cid: '-1', val: 'x', colVersion: 3, cl: 3 })),
    }),
  },
  {
    // The frame limit told in the handshake leaves room for what re-encoding adds
    // (frame-limits.ts), so a change too large to send on is already refused at the
    // frame, before any rule runs; the rule is the check behind it (change-rules.test.ts).
    name: 'one change filling a frame of exactly maxFrameBytes (the server could not send it on)',
    rule: 'deliverable-size',
    refusedAtFrameLimit: true,
    frames: ({ db }) => {
      const [valid] = honestChanges(db, [581], 0);
      if (valid === undefined) throw new Error('no change');
      const empty = encodeMessage(frame([{ ...valid, val: '' }], valid.dbVersion)).byteLength;
      const frameBytes = (length: number): number => empty - 1 + varUintSize(length) + length;
      let length = SERVER_MAX_FRAME_BYTES - empty;
      while (frameBytes(length) > SERVER_MAX_FRAME_BYTES) length -= 1;
      return { honest: [], hostile: frame([{ ...valid, val: 'v'.repeat(length) }], valid.dbVersion), frameBytes: SERVER_MAX_FRAME_BYTES };
    },
  },
  {
    name: 'versions going back within a frame',
    rule: 'version-order',
    frames: ({ db }) => {
      const changes = honestChanges(db, [591, 592], 0);
      return { honest: [], hostile: frame([...changes].reverse(), 2) };
    },
  },
  {
    name: 'a version again after a frame declared it complete',
    rule: 'version-order',
    frames: ({ db }) => {
      const first = honestChanges(db, [601], 0);
      const second = honestChanges(db, [602], 1);
      return { honest: [frame(first, 1)], hostile: frame([...first, ...second], 2) };
    },
  },
  {
    name: 'a throughVersion going back',
    rule: 'through-version',
    frames: ({ db }) => {
      const first = honestChanges(db, [611], 0);
      const second = honestChanges(db, [612], 1);
      return { honest: [frame(first, 1)], hostile: frame(second, 0) };
    },
  },
  {
    name: 'a change above throughVersion that is not of the frame\'s last version',
    rule: 'through-version',
    frames: ({ db }) => ({ honest: [], hostile: frame(honestChanges(db, [621, 622], 0), 0) }),
  },
];

describe('a hostile peer breaking a change rule', () => {
  let rig: TruthfulRig;
  let honest: [WatchedClient, WatchedClient];
  let greenFrom: [number, number];
  const attackers: TestClientDatabase[] = [];

  beforeAll(async () => {
    rig = await TruthfulRig.create({ maxFrameBytes: SERVER_MAX_FRAME_BYTES });
    honest = await startHonestClients(rig);
    greenFrom = [honest[0].history.length, honest[1].history.length];
  });

  afterAll(async () => {
    for (const db of attackers.splice(0)) db.close();
    await rig.close();
  });

  it.each(CASES)('$rule: $name is refused whole, the server is unchanged, the honest clients stay green and identical', async (hostileCase) => {
    const { raw, db } = await connectAttacker(rig);
    attackers.push(db);
    const { honest: honestFrames, hostile, frameBytes } = hostileCase.frames({ db, victimSite: siteOf(honest[0]) });
    for (const honestFrame of honestFrames) {
      raw.send(honestFrame);
      await raw.expect('ack');
      // The fan-out moves the sender's cursor past its own commit with an empty batch.
      await raw.expect('changes');
    }
    const hostileFrame = encodeMessage(hostile);
    if (frameBytes !== undefined) expect(hostileFrame.byteLength).toBe(frameBytes);
    const before = await dumpServer(rig);

    raw.sendBytes(hostileFrame);
    await expectRefused(raw, hostileCase.rule, hostileCase.refusedAtFrameLimit === true);

    expect(await dumpServer(rig)).toEqual(before);
    await waitUntilIdentical(rig, honest, HONEST_ROWS.length);
    honest.forEach((client, index) => {
      expect(client.history.slice(greenFrom[index]).filter((record) => !isGreen(record.snapshot.status))).toEqual([]);
    });
  });

  it('and afterwards the honest clients still sync with each other, having been green throughout', async () => {
    const [a, b] = honest;
    await b.insertItems([900]);
    await a.exec("UPDATE items SET title = 'edited after the attacks' WHERE id = 1");
    await waitUntilIdentical(rig, honest, HONEST_ROWS.length + 1);
    expect(await a.items()).toContainEqual([900, 'local 900']);
    expect(await b.items()).toContainEqual([1, 'edited after the attacks']);
    honest.forEach((client, index) => {
      expect(client.history.slice(greenFrom[index]).filter((record) => !isGreen(record.snapshot.status))).toEqual([]);
    });
    expect(rig.greenObservations()).toBeGreaterThan(0);
    expect(rig.violations()).toEqual([]);
  });
});

describe('the reproduction: a column value with an even cl', () => {
  let rig: TruthfulRig;
  let attacker: TestClientDatabase | null = null;

  beforeEach(async () => {
    rig = await TruthfulRig.create({ maxFrameBytes: SERVER_MAX_FRAME_BYTES });
  });

  afterEach(async () => {
    attacker?.close();
    attacker = null;
    await rig.close();
  });

  it.each([
    { name: "title 'EVIL', col_version 5, cl 4 on a row the server has", id: EXISTING_ROW, colVersion: 5, cl: 4 },
    { name: "title 'EVIL', col_version 5, cl 4 on a row the server never had", id: 777, colVersion: 5, cl: 4 },
    { name: 'cl 2 with no earlier row', id: 778, colVersion: 1, cl: 2 },
  ])('$name neither deletes nor invents a row: refused as invalid-change, server and clients unchanged and identical', async ({ id, colVersion, cl }) => {
    const honest = await startHonestClients(rig);
    const greenFrom = honest.map((client) => client.history.length);
    const serverBefore = await rig.serverItems();
    const { raw, db } = await connectAttacker(rig);
    attacker = db;
    const [valid] = honestChanges(db, [id + 1000], 0);
    if (valid === undefined) throw new Error('cr-sqlite made no change');
    raw.send(frame([{ ...valid, pk: packedKey(db, id), val: 'EVIL', colVersion, cl }], valid.dbVersion));

    await expectRefused(raw, 'causal-length');
    expect(await rig.serverItems()).toEqual(serverBefore);
    await honest[0].insertItems([50]);
    await waitUntilIdentical(rig, honest, serverBefore.length + 1);
    expect(await rig.serverItems()).toEqual([...serverBefore, [50, 'local 50']]);
    honest.forEach((client, index) => {
      expect(client.history.slice(greenFrom[index]).filter((record) => !isGreen(record.snapshot.status))).toEqual([]);
    });
    expect(rig.violations()).toEqual([]);
  });
});
