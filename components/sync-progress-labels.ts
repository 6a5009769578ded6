export interface SyncProgressLabels {
  /** BCP 47 tag for numbers. */
  readonly locale: string;
  readonly title: string;
  readonly description: string;
  readonly keepTabOpen: string;
  readonly progressBar: string;
  readonly percent: (percent: string) => string;
  readonly changes: (done: string, total: string) => string;
  readonly rows: (done: string, total: string) => string;
  readonly bytes: (done: string, total: string) => string;
  readonly rate: (changesPerSecond: string) => string;
  readonly measuringRate: string;
  readonly timeLeft: (duration: string) => string;
  readonly estimatingTimeLeft: string;
  /** Shown instead of the time left once the download has completed. */
  readonly finished: string;
  readonly starting: string;
  readonly hide: string;
}

export const syncProgressLabelsEn: SyncProgressLabels = {
  locale: 'en',
  title: 'Downloading changes',
  description: 'Changes made elsewhere are being copied to this device.',
  keepTabOpen: 'Please keep this tab open until the download finishes.',
  progressBar: 'Download progress',
  percent: (percent) => `${percent}%`,
  changes: (done, total) => `${done} of ${total} changes`,
  rows: (done, total) => `${done} of ${total} rows`,
  bytes: (done, total) => `${done} of ${total}`,
  rate: (changesPerSecond) => `${changesPerSecond} changes/s`,
  measuringRate: 'measuring speed…',
  timeLeft: (duration) => `about ${duration} left`,
  estimatingTimeLeft: 'estimating time left…',
  finished: 'done',
  starting: 'Starting…',
  hide: 'Continue in background',
};
