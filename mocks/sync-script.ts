import type { SyncClientApi, SyncSnapshot } from '../engine/client/sync-client-api.ts';
import type { SyncStatusName } from '../engine/client/sync-status.ts';
import type { SqlValue } from '../engine/protocol/messages.ts';
import type { FlapMode } from './fault-settings.ts';
import type { BacklogOptions, MockSyncBackend, SchemaChange } from './mock-sync-backend.ts';

/** What a step does: a fault, a server-side event, or any function of the backend. */
export type SyncScriptAction =
  | { readonly do: 'latency'; readonly ms: number }
  | { readonly do: 'drop-connections' }
  | { readonly do: 'server-down' }
  | { readonly do: 'server-up' }
  | { readonly do: 'half-open' }
  | { readonly do: 'end-half-open' }
  | { readonly do: 'stall-acks' }
  | { readonly do: 'release-acks' }
  | { readonly do: 'flap'; readonly mode?: FlapMode }
  | { readonly do: 'stop-flapping' }
  | { readonly do: 'clear-faults' }
  | { readonly do: 'exec'; readonly database: string; readonly sql: string; readonly params?: readonly SqlValue[] }
  | ({ readonly do: 'backlog'; readonly database: string } & BacklogOptions)
  | { readonly do: 'rebuild'; readonly database: string }
  | ({ readonly do: 'change-schema' } & SchemaChange)
  | { readonly do: (backend: MockSyncBackend) => unknown };

/** A status the watched client must reach, or any condition on its snapshot. */
export type SyncScriptCondition = SyncStatusName | ((snapshot: SyncSnapshot) => boolean);

/**
 * When a step runs; steps run strictly in order, each after the previous one
 * finished. With neither field, at once.
 */
export interface SyncScriptTiming {
  /** Milliseconds after the script started (or at once, if that moment has passed). */
  readonly at?: number;
  /** Milliseconds after the previous step, or once the watched client meets a condition. */
  readonly after?: number | SyncScriptCondition;
}

export type SyncScriptStep = SyncScriptAction & SyncScriptTiming;

export interface SyncScriptOptions {
  /** The client that `after: 'synced'` and other conditions watch. */
  readonly client?: SyncClientApi;
  /** How long a condition may take before the script fails; default 15000. */
  readonly timeoutMs?: number;
  /** Called as each step starts, e.g. to log the scenario. */
  readonly onStep?: (step: SyncScriptStep, index: number) => void;
}

const DEFAULT_CONDITION_TIMEOUT_MS = 15_000;

/**
 * Runs fault and server steps against a mock backend in order, with timing, e.g.
 *
 *   await runScript(backend, [
 *     { after: 'synced', do: 'stall-acks' },
 *     { after: 'stuck', do: 'release-acks' },
 *     { after: 'synced', do: 'server-down' },
 *     { after: 2000, do: 'server-up' },
 *   ], { client });
 *
 * It fails with the step and the client's status when a condition is not met
 * in time, and when the backend stops before the script ends.
 */
export async function runScript(backend: MockSyncBackend, steps: readonly SyncScriptStep[], options: SyncScriptOptions = {}): Promise<void> {
  const startedAt = performance.now();
  for (const [index, step] of steps.entries()) {
    await waitForStep(backend, step, index, startedAt, options);
    options.onStep?.(step, index);
    await perform(backend, step);
  }
}

async function waitForStep(
  backend: MockSyncBackend,
  step: SyncScriptStep,
  index: number,
  startedAt: number,
  options: SyncScriptOptions,
): Promise<void> {
  const stopped = backend.stopped.then(() => {
    throw new Error(`the mock backend stopped before step ${index} (${describe(step)})`);
  });
  // Marked handled now: the races below still see the rejection, and a stop
  // after this step has run is no one's concern.
  stopped.catch(() => {});
  if (step.at !== undefined) await Promise.race([delayUntil(startedAt + step.at, backend.stopped), stopped]);
  if (typeof step.after === 'number') await Promise.race([delayUntil(performance.now() + step.after, backend.stopped), stopped]);
  else if (step.after !== undefined) await Promise.race([condition(step.after, index, step, options, backend.stopped), stopped]);
}

// Waits clear their timers when the backend stops, so a stopped story leaves none
// behind. A browser's timer may fire a fraction of a millisecond before
// performance.now() reaches the deadline, so an early wake-up waits again.
function delayUntil(deadline: number, stopped: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout>;
    const wake = (): void => {
      const remaining = deadline - performance.now();
      if (remaining <= 0) resolve();
      else timer = setTimeout(wake, Math.ceil(remaining));
    };
    wake();
    void stopped.then(() => clearTimeout(timer));
  });
}

function condition(
  wanted: SyncScriptCondition,
  index: number,
  step: SyncScriptStep,
  options: SyncScriptOptions,
  stopped: Promise<void>,
): Promise<void> {
  const { client } = options;
  if (client === undefined) return Promise.reject(new Error(`step ${index} (${describe(step)}) waits on a client condition: pass { client }`));
  const holds = typeof wanted === 'string' ? (snapshot: SyncSnapshot) => snapshot.status.status === wanted : wanted;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONDITION_TIMEOUT_MS;
  return new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (!holds(client.getSnapshot())) return;
      done();
      resolve();
    };
    const unsubscribe = client.subscribe(check);
    const timer = setTimeout(() => {
      done();
      const waitedFor = typeof wanted === 'string' ? `status ${wanted}` : 'its condition';
      reject(new Error(`step ${index} (${describe(step)}) waited ${timeoutMs} ms for ${waitedFor}; the client is ${JSON.stringify(client.getSnapshot().status)}`));
    }, timeoutMs);
    function done(): void {
      unsubscribe();
      clearTimeout(timer);
    }
    void stopped.then(done);
    check();
  });
}

async function perform(backend: MockSyncBackend, step: SyncScriptStep): Promise<void> {
  const { faults } = backend;
  switch (step.do) {
    case 'latency':
      return faults.latency(step.ms);
    case 'drop-connections':
      return faults.dropConnections();
    case 'server-down':
      return faults.serverDown();
    case 'server-up':
      return faults.serverUp();
    case 'half-open':
      return faults.halfOpen();
    case 'end-half-open':
      return faults.endHalfOpen();
    case 'stall-acks':
      return faults.stallAcks();
    case 'release-acks':
      return faults.releaseAcks();
    case 'flap':
      return faults.flap(step.mode);
    case 'stop-flapping':
      return faults.stopFlapping();
    case 'clear-faults':
      return faults.clear();
    case 'exec':
      await backend.exec(step.database, step.sql, step.params);
      return;
    case 'backlog':
      await backend.loadBacklog(step.database, step);
      return;
    case 'rebuild':
      await backend.rebuild(step.database);
      return;
    case 'change-schema':
      return backend.changeSchema(step);
    default:
      await step.do(backend);
  }
}

function describe(step: SyncScriptStep): string {
  return typeof step.do === 'string' ? step.do : step.do.name || 'custom step';
}
