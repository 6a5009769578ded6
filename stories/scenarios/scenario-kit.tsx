import type { ReactNode } from 'react';
import { NukeAndResyncDialog } from '../../components/nuke-and-resync-dialog.tsx';
import { RemoteDbBadge } from '../../components/remote-db-badge.tsx';
import { SyncProgressDialog } from '../../components/sync-progress-dialog.tsx';
import { GreenlightProvider } from '../../state/greenlight-provider.tsx';
import { BooksTable } from './books-table.tsx';
import { addLocalBook } from './local-books.ts';
import type { ScenarioClient } from './scenario-client.ts';
import './scenario.css';

export interface ScenarioKitProps {
  readonly scenario: ScenarioClient;
  /** Names the device, e.g. "Laptop"; also what its local books are called. */
  readonly device: string;
  /** Passed to the progress dialog; scenarios keep the kit's default unless they say why. */
  readonly progressDelayMs?: number;
  readonly children?: ReactNode;
}

/**
 * One device as a host app embeds Greenlight: its own GreenlightProvider (a fresh
 * jotai store per mount) around the badge, both dialogs and the app's data.
 */
export function ScenarioKit({ scenario, device, progressDelayMs, children }: ScenarioKitProps) {
  return (
    <GreenlightProvider client={scenario.view}>
      <section className="greenlight-scenario" aria-label={device}>
        <header className="greenlight-scenario__header">
          <h2 className="greenlight-scenario__device">{device}</h2>
          <RemoteDbBadge />
        </header>
        <BooksTable scenario={scenario} caption={`${device}, local database`} />
        <div className="greenlight-scenario__actions">
          <button type="button" className="greenlight-button" onClick={() => addLocalBook(scenario.connection, device)}>
            Add a book
          </button>
        </div>
        {children}
      </section>
      <SyncProgressDialog {...(progressDelayMs === undefined ? {} : { delayMs: progressDelayMs })} />
      <NukeAndResyncDialog />
    </GreenlightProvider>
  );
}
