import type { StoryContext } from '@storybook/react-vite';
import { createMockSyncBackend, type MockSyncBackend } from '../../mocks/mock-sync-backend.ts';
import { BOOKSHOP_SCHEMA } from './bookshop-schema.ts';
import { pacedWebSocket } from './paced-websocket.ts';
import { openScenarioClient, type ScenarioClient } from './scenario-client.ts';
import { SCENARIO_SERVER_HEARTBEAT_MS } from './scenario-timing.ts';
import { DATABASE, seedServerBooks } from './server-books.ts';

export interface MockScenarioOptions {
  /** The devices, by name; each gets its own client and local database. Default one "This device". */
  readonly devices?: readonly string[];
  /** Books on the server before any client connects, `perCommit` per transaction. */
  readonly seedBooks?: { readonly count: number; readonly perCommit?: number };
  /** A slow downlink: server frames reach the clients at most one per this many ms. */
  readonly pacedMs?: number;
  /** Start the clients in the loader, for stories that are explored rather than scripted. */
  readonly start?: boolean;
}

/** A live scenario: the mock server and the clients watching it. */
export interface MockScenario {
  readonly backend: MockSyncBackend;
  readonly devices: readonly { readonly name: string; readonly local: ScenarioClient }[];
  /** The first device's client. */
  readonly local: ScenarioClient;
  close(): Promise<void>;
}

// Each backend gets its own URL: in Storybook's UI the previous story may still be
// tearing down while the next one loads, and mock-socket allows one server per URL.
let backendsCreated = 0;

export async function openMockScenario(options: MockScenarioOptions = {}): Promise<MockScenario> {
  backendsCreated += 1;
  const backend = await createMockSyncBackend({
    schema: BOOKSHOP_SCHEMA,
    url: `ws://scenario-${backendsCreated}.greenlight.mock/sync`,
    databases: [DATABASE],
    heartbeatIntervalMs: SCENARIO_SERVER_HEARTBEAT_MS,
  });
  const devices: { name: string; local: ScenarioClient }[] = [];
  const close = async () => {
    for (const device of devices) await device.local.close();
    await backend.stop();
  };
  try {
    if (options.seedBooks !== undefined) await seedServerBooks(backend, options.seedBooks);
    const createWebSocket = options.pacedMs === undefined ? backend.createWebSocket : pacedWebSocket(backend.createWebSocket, options.pacedMs);
    for (const name of options.devices ?? ['This device']) {
      const local = await openScenarioClient({ url: backend.url, createWebSocket, database: DATABASE, schema: BOOKSHOP_SCHEMA });
      devices.push({ name, local });
    }
  } catch (error) {
    await close();
    throw error;
  }
  const [first] = devices;
  if (first === undefined) throw new Error('a scenario needs at least one device');
  if (options.start === true) for (const device of devices) device.local.client.start();
  return { backend, devices, local: first.local, close };
}

/** A story loader: `loaders: [mockScenarioLoader({...})]`; the meta's `beforeEach: closeMockScenario` tears it down. */
export function mockScenarioLoader(options: MockScenarioOptions = {}) {
  return async () => ({ scenario: await openMockScenario(options) });
}

/** The loaded scenario of a story, checked. */
export function mockScenarioOf(context: Pick<StoryContext, 'loaded'>): MockScenario {
  const scenario: unknown = context.loaded['scenario'];
  if (!isMockScenario(scenario)) throw new Error('this story has no mock scenario: add loaders: [mockScenarioLoader(...)]');
  return scenario;
}

/**
 * Runs before each render with the loaded scenario and returns its teardown, which
 * Storybook calls before the next story loads: no backend, client or timer
 * outlives its story.
 */
export function closeMockScenario(context: Pick<StoryContext, 'loaded'>): () => Promise<void> {
  const scenario = mockScenarioOf(context);
  return () => scenario.close();
}

function isMockScenario(value: unknown): value is MockScenario {
  return typeof value === 'object' && value !== null && 'backend' in value && 'devices' in value;
}
