import { useId, useState, type ReactNode } from 'react';
import type { MockScenario } from './mock-scenario.ts';
import { addServerBook, DATABASE, seedServerBooks } from './server-books.ts';

const LATENCIES_MS = [0, 100, 500, 2_000] as const;

/**
 * Switches for everything the mock backend can do to a live client, for
 * designers to explore: the device's network, the server, the link, and the
 * server-side events that make a local database obsolete.
 */
export function PlaygroundControls({ scenario }: { readonly scenario: MockScenario }) {
  const { backend, local } = scenario;
  const { faults } = backend;
  const [online, setOnline] = useState(true);
  const [serverUp, setServerUp] = useState(true);
  const [latencyMs, setLatencyMs] = useState(0);
  const [stalled, setStalled] = useState(false);
  const [halfOpen, setHalfOpen] = useState(false);
  const [flapping, setFlapping] = useState(false);
  const latencyId = useId();
  const run = (action: () => unknown) => () => void action();

  return (
    <fieldset className="greenlight-scenario__actions">
      <legend>Scenario controls</legend>
      <Toggle checked={online} onChange={(next) => (local.network.setOnline(next), setOnline(next))}>
        Device online
      </Toggle>
      <Toggle checked={serverUp} onChange={(next) => ((next ? faults.serverUp() : faults.serverDown()), setServerUp(next))}>
        Server up
      </Toggle>
      <Toggle checked={stalled} onChange={(next) => ((next ? faults.stallAcks() : faults.releaseAcks()), setStalled(next))}>
        Stall acks
      </Toggle>
      <Toggle checked={halfOpen} onChange={(next) => ((next ? faults.halfOpen() : faults.endHalfOpen()), setHalfOpen(next))}>
        Half-open link
      </Toggle>
      <Toggle checked={flapping} onChange={(next) => ((next ? faults.flap() : faults.stopFlapping()), setFlapping(next))}>
        Flapping
      </Toggle>
      <label htmlFor={latencyId}>Latency</label>
      <select
        id={latencyId}
        value={latencyMs}
        onChange={(event) => {
          const next = Number(event.target.value);
          faults.latency(next);
          setLatencyMs(next);
        }}
      >
        {LATENCIES_MS.map((ms) => (
          <option key={ms} value={ms}>
            {ms} ms
          </option>
        ))}
      </select>
      <button type="button" className="greenlight-button" onClick={run(() => addServerBook(backend))}>
        Server change
      </button>
      <button
        type="button"
        className="greenlight-button"
        onClick={run(() => seedServerBooks(backend, { count: 5_000, perCommit: 200, edition: 'Backlog' }))}
      >
        Server adds 5,000 books
      </button>
      <button type="button" className="greenlight-button" onClick={run(() => backend.rebuild(DATABASE))}>
        Rebuild server
      </button>
      <button type="button" className="greenlight-button" onClick={run(() => backend.changeSchema({ version: backend.schema.version + 1 }))}>
        Bump server schema
      </button>
    </fieldset>
  );
}

function Toggle({ checked, onChange, children }: { readonly checked: boolean; readonly onChange: (checked: boolean) => void; readonly children: ReactNode }) {
  return (
    <label>
      <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} /> {children}
    </label>
  );
}
