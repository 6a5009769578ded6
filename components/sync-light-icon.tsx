import type { SyncStatusName } from '../engine/client/sync-status.ts';

/**
 * The light itself. Red states differ by shape as well as colour (a warning
 * triangle, an error cross) so they are told apart without colour vision.
 */
export function SyncLightIcon({ status }: { readonly status: SyncStatusName }) {
  if (status === 'stuck') {
    return (
      <svg className="greenlight-light greenlight-light--shape" viewBox="0 0 12 12" aria-hidden="true" focusable="false">
        <path d="M6 0.8 11.4 11H0.6Z" />
        <path className="greenlight-light__mark" d="M6 4.2v3.4M6 8.9v0.6" />
      </svg>
    );
  }
  if (status === 'incompatible') {
    return (
      <svg className="greenlight-light greenlight-light--shape" viewBox="0 0 12 12" aria-hidden="true" focusable="false">
        <circle cx="6" cy="6" r="5.6" />
        <path className="greenlight-light__mark" d="M4 4l4 4M8 4l-4 4" />
      </svg>
    );
  }
  return (
    <svg className="greenlight-light" viewBox="0 0 12 12" aria-hidden="true" focusable="false">
      <circle cx="6" cy="6" r="5" />
    </svg>
  );
}
