import type { SyncProgress } from '../engine/client/sync-status.ts';
import { progressPercent } from '../state/progress-percent.ts';
import { formatBytes, formatCount, formatDuration } from './human-units.ts';
import type { SyncProgressLabels } from './sync-progress-labels.ts';

export interface SyncProgressSummaryProps {
  readonly progress: SyncProgress | null;
  readonly labels: SyncProgressLabels;
}

/** A progress bar with the numbers behind it: bytes, changes, rows, speed and time left. */
export function SyncProgressSummary({ progress, labels }: SyncProgressSummaryProps) {
  const percent = progress === null ? 0 : progressPercent(progress);
  const count = (value: number) => formatCount(value, labels.locale);
  const bytes = (value: number) => formatBytes(value, labels.locale);
  return (
    <div className="greenlight-progress">
      <div
        className="greenlight-progress__bar"
        role="progressbar"
        aria-label={labels.progressBar}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={labels.percent(count(percent))}
      >
        <div className="greenlight-progress__fill" style={{ width: `${percent}%` }} />
      </div>
      {progress === null ? (
        <p className="greenlight-progress__line">{labels.starting}</p>
      ) : (
        <>
          <p className="greenlight-progress__line greenlight-progress__line--main">
            <span>{labels.percent(count(percent))}</span>
            {progress.bytesTotal > 0 && <span>{labels.bytes(bytes(progress.bytesDone), bytes(progress.bytesTotal))}</span>}
          </p>
          <p className="greenlight-progress__line">
            <span>{labels.changes(count(progress.changesDone), count(progress.changesTotal))}</span>
            <span>{labels.rows(count(progress.rowsDone), count(progress.rowsTotal))}</span>
          </p>
          <p className="greenlight-progress__line">
            <span>
              {progress.changesPerSecond === null ? labels.measuringRate : labels.rate(count(progress.changesPerSecond))}
            </span>
            <span>
              {progress.finishedAt !== null
                ? labels.finished
                : progress.etaMs === null
                  ? labels.estimatingTimeLeft
                  : labels.timeLeft(formatDuration(progress.etaMs, labels.locale))}
            </span>
          </p>
        </>
      )}
    </div>
  );
}
