import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { siteIdFromBytes } from '../engine/protocol/ids.ts';
import { CLOSE_CODES, type Change } from '../engine/protocol/messages.ts';
import { loadSchemaFile } from '../engine/server/node-sync-server.ts';
import type { ServerSchema } from '../engine/server/server-schema.ts';
import { helloMessage, RawProtocolClient } from '../engine/test-support/raw-protocol-client.ts';
import { connectRawClient } from '../engine/test-support/node-websocket.ts';
import { TestClientDatabase } from '../engine/test-support/test-client-database.ts';
import { makeDataDir, removeDataDir } from '../engine/test-support/temp-folder.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCHEMA_PATH = fileURLToPath(new URL('./schema.sql', import.meta.url));
const LISTENING = /listening on (http:\/\/\S+) \((ws:\/\/\S+)\)/;
const DB = 'bookshop';

interface CliServer {
  readonly child: ChildProcess;
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly line: string;
}

/** Starts `server/cli.ts` as its own process and waits for its listening line. */
function startCli(dataDir: string, extraArgs: readonly string[] = ['--allow-exec']): Promise<CliServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--port', '0', '--dir', dataDir, ...extraArgs], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = LISTENING.exec(output);
      if (match?.[1] !== undefined && match[2] !== undefined) {
        child.stdout?.off('data', onData);
        resolve({ child, httpUrl: match[1], wsUrl: match[2], line: output.split('\n')[0] ?? '' });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening:\n${output}`)));
  });
}

/** Runs the CLI to its exit (bounded at 20 s); for start-ups it must refuse. */
function runCliToExit(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('greenlight-server CLI', () => {
  let dataDir: string;
  let schema: ServerSchema;
  const children: ChildProcess[] = [];
  const sockets: RawProtocolClient[] = [];
  const clients: TestClientDatabase[] = [];

  async function cli(extraArgs: readonly string[] = []): Promise<CliServer> {
    const server = await startCli(dataDir, extraArgs);
    children.push(server.child);
    return server;
  }

  async function accepted(server: CliServer, client: TestClientDatabase): Promise<RawProtocolClient> {
    const socket = await connectRawClient(server.wsUrl);
    sockets.push(socket);
    socket.send(helloMessage(DB, client.siteId, schema));
    await socket.expect('accept');
    return socket;
  }

  beforeEach(async () => {
    dataDir = makeDataDir();
    schema = await loadSchemaFile(SCHEMA_PATH);
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
      await exited(child);
    }
    for (const client of clients.splice(0)) client.close();
    removeDataDir(dataDir);
  });

  it('keeps every acknowledged change when killed right after the ack (issue check 3)', async () => {
    const first = await cli();
    const writer = await TestClientDatabase.open(schema);
    clients.push(writer);
    const socket = await accepted(first, writer);
    await socket.waitFor('caught-up');

    // Five client transactions of 40 books, sent as five messages without waiting.
    let sentThrough = 0;
    for (let batch = 0; batch < 5; batch++) {
      writer.connection.transaction(() => {
        for (let i = 0; i < 40; i++) {
          writer.connection.exec('INSERT INTO books (id, title, author, price, stock) VALUES (?, ?, ?, ?, ?)', [`b${batch}-${i}`, `Title ${batch}-${i}`, 'Anon', 9.5, i]);
        }
      });
      const changes = writer.localChanges(sentThrough);
      sentThrough = writer.dbVersion();
      socket.send({ type: 'changes', changes, throughVersion: sentThrough });
    }
    let acked = 0;
    while (acked < sentThrough) acked = (await socket.waitFor('ack')).committedClientVersion;
    first.child.kill('SIGKILL');
    await exited(first.child);

    const second = await cli();
    const reader = await TestClientDatabase.open(schema);
    clients.push(reader);
    const readerSocket = await connectRawClient(second.wsUrl);
    sockets.push(readerSocket);
    readerSocket.send(helloMessage(DB, reader.siteId, schema));
    const accept = await readerSocket.expect('accept');
    const received: Change[] = [];
    for (;;) {
      const message = await readerSocket.next();
      if (message.type === 'caught-up') break;
      if (message.type === 'changes') received.push(...message.changes);
    }
    const written = writer.localChanges();
    expect(accept.backlogChanges).toBe(written.length);
    const key = (change: Change): string => `${Buffer.from(change.pk).toString('hex')}:${change.cid}:${String(change.val)}`;
    expect(new Set(received.map(key))).toEqual(new Set(written.map(key)));
    expect(received.every((change) => siteIdFromBytes(change.siteId) === writer.siteId)).toBe(true);

    // The writer's acknowledged version survived too: it will not resend.
    const again = await connectRawClient(second.wsUrl);
    sockets.push(again);
    again.send(helloMessage(DB, writer.siteId, schema, { lastServerSiteId: accept.serverSiteId, serverCursor: accept.serverVersion }));
    expect(await again.expect('accept')).toMatchObject({ committedClientVersion: sentThrough });
  });

  it('applies the limit flags: a database beyond --max-databases is refused, a socket without hello is closed', async () => {
    const server = await cli(['--allow-exec', '--max-databases', '1', '--handshake-timeout-ms', '500']);
    const client = await TestClientDatabase.open(schema);
    clients.push(client);
    await accepted(server, client);
    const second = await connectRawClient(server.wsUrl);
    sockets.push(second);
    second.send(helloMessage('another', client.siteId, schema));
    expect(await second.next()).toMatchObject({ type: 'reject', reason: 'unknown-database', message: expect.stringMatching(/maximum of 1 databases/) });
    const silent = await connectRawClient(server.wsUrl);
    sockets.push(silent);
    expect((await silent.closed).code).toBe(CLOSE_CODES.handshakeTimeout);
  });

  it('says it listens on loopback only, and refuses a public host without --insecure-no-auth and a short admin token file', async () => {
    const server = await cli();
    expect(server.line).toContain('loopback only');
    const publicHost = await runCliToExit(['--port', '0', '--dir', dataDir, '--host', '0.0.0.0']);
    expect(publicHost).toMatchObject({ code: 2, output: expect.stringContaining('--insecure-no-auth') });
    const publicExec = await runCliToExit(['--port', '0', '--dir', dataDir, '--host', '0.0.0.0', '--insecure-no-auth', '--allow-exec']);
    expect(publicExec).toMatchObject({ code: 2, output: expect.stringContaining('loopback') });
    writeFileSync(join(dataDir, 'short-token'), 'too-short\n');
    const shortToken = await runCliToExit(['--port', '0', '--dir', dataDir, '--admin-token-file', join(dataDir, 'short-token')]);
    expect(shortToken).toMatchObject({ code: 2, output: expect.stringContaining('at least 32 bytes') });
  });

  it('opens /exec to the token from --admin-token-file and to no one else', async () => {
    const token = 'a'.repeat(40);
    writeFileSync(join(dataDir, 'token'), `${token}\n`);
    const server = await startCli(dataDir, ['--admin-token-file', join(dataDir, 'token')]);
    children.push(server.child);
    const exec = (headers: Record<string, string>): Promise<number> =>
      fetch(`${server.httpUrl}/${DB}/exec`, { method: 'POST', headers, body: JSON.stringify({ sql: 'SELECT 1' }) }).then((response) => response.status);
    expect(await exec({})).toBe(403);
    expect(await exec({ authorization: `Bearer ${token}` })).toBe(200);
  });

  it('shuts down cleanly on SIGTERM', async () => {
    const server = await cli();
    const response = await fetch(`${server.httpUrl}/health`);
    expect(response.status).toBe(200);
    server.child.kill('SIGTERM');
    await exited(server.child);
    expect(server.child.exitCode).toBe(0);
  });
});
