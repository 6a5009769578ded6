import type { NukeAndResyncLabels } from '../components/nuke-and-resync-labels.ts';
import type { ReasonLabels } from '../components/reason-labels.ts';
import type { RemoteDbBadgeLabels } from '../components/remote-db-badge-labels.ts';
import type { SyncProgressLabels } from '../components/sync-progress-labels.ts';

/** A complete German set, to show that every visible string can be replaced. */
const reasonLabelsDe: ReasonLabels = {
  disconnect: { offline: 'offline', 'server-unreachable': 'Server nicht erreichbar', closed: 'Verbindung getrennt' },
  stuck: {
    'rapid-failures': 'Die Verbindung zum Server bricht immer wieder direkt nach dem Aufbau ab.',
    'acks-stalled': 'Der Server bestätigt nicht mehr, dass er Ihre Änderungen gespeichert hat.',
    'heartbeat-lost': 'Der Server antwortet nicht mehr, obwohl die Verbindung noch offen wirkt.',
    'apply-failed': 'Änderungen vom Server konnten auf diesem Gerät nicht gespeichert werden.',
  },
  incompatible: {
    'schema-mismatch': 'Dieses Gerät speichert die Daten in einem anderen Aufbau als der Server.',
    'server-rebuilt': 'Die Datenbank des Servers wurde neu aufgebaut; die Kopie hier passt nicht mehr dazu.',
    'protocol-version': 'App und Server sprechen verschiedene Versionen des Sync-Protokolls.',
    'unknown-database': 'Der Server kennt diese Datenbank nicht.',
    'forbidden-database': 'Der Server erlaubt diesem Gerät nicht, diese Datenbank zu synchronisieren.',
    'invalid-database-name': 'Der Server akzeptiert den Namen dieser Datenbank nicht.',
  },
};

export const remoteDbBadgeLabelsDe: RemoteDbBadgeLabels = {
  locale: 'de',
  name: 'Server-DB',
  nameWithPending: (name, pendingChanges) => `${name} (${pendingChanges} ausstehend)`,
  status: {
    idle: 'nicht gestartet',
    connecting: 'verbindet',
    'catching-up': 'holt auf',
    synced: 'synchron',
    syncing: 'speichert',
    disconnected: 'getrennt',
    stuck: 'hängt',
    incompatible: 'inkompatibel',
  },
  statusMeaning: {
    idle: 'Die Synchronisierung hat noch nicht begonnen.',
    connecting: 'Verbindung zum Server wird aufgebaut.',
    'catching-up': 'Änderungen von anderen Geräten werden heruntergeladen.',
    synced: 'Alles vom Server ist hier, und alles, was Sie ändern, wird auf dem Server gespeichert.',
    syncing: 'Aktuell. Ihre letzten Änderungen sind auf dem Weg zum Server.',
    disconnected: 'Nicht verbunden. Ihre Änderungen bleiben auf diesem Gerät und werden später gesendet.',
    stuck: 'Verbunden, aber die Synchronisierung kommt nicht voran.',
    incompatible: 'Dieses Gerät kann nicht mehr mit dem Server synchronisieren.',
  },
  announcement: (name, status) => `${name}: ${status}`,
  reasons: reasonLabelsDe,
  detailsTitle: 'Sync-Details',
  reason: 'Grund',
  since: 'Seit',
  lastSynced: 'Zuletzt synchron',
  never: 'nie',
  pending: 'Wartet auf den Server',
  pendingValue: (changes, rows) => `${changes} Änderungen in ${rows} Zeilen`,
  nothingPending: 'nichts',
  progress: 'Heruntergeladen',
  attempt: 'Versuch',
  nextAttempt: 'Nächster Versuch',
  diagnostics: 'Diagnose',
  connectAttempts: 'Verbindungsversuche',
  recentFailures: 'Letzte Abbrüche',
  lastHeartbeat: 'Letztes Lebenszeichen',
  lastAck: 'Letzte Speicherbestätigung',
  serverVersion: 'Server-Version',
  appliedServerVersion: 'Hier angewendet',
  lastError: 'Letzter Fehler',
  recover: 'Löschen und neu laden …',
};

export const syncProgressLabelsDe: SyncProgressLabels = {
  locale: 'de',
  title: 'Änderungen werden geladen',
  description: 'Änderungen von anderen Geräten werden auf dieses Gerät kopiert.',
  keepTabOpen: 'Bitte lassen Sie diesen Tab geöffnet, bis der Download fertig ist.',
  progressBar: 'Download-Fortschritt',
  percent: (percent) => `${percent} %`,
  changes: (done, total) => `${done} von ${total} Änderungen`,
  rows: (done, total) => `${done} von ${total} Zeilen`,
  bytes: (done, total) => `${done} von ${total}`,
  rate: (changesPerSecond) => `${changesPerSecond} Änderungen/s`,
  measuringRate: 'Geschwindigkeit wird gemessen …',
  timeLeft: (duration) => `noch etwa ${duration}`,
  estimatingTimeLeft: 'Restzeit wird geschätzt …',
  starting: 'Startet …',
  hide: 'Im Hintergrund fortsetzen',
};

export const nukeAndResyncLabelsDe: NukeAndResyncLabels = {
  locale: 'de',
  titleIncompatible: 'Dieses Gerät kann nicht mehr synchronisieren',
  titleStuck: 'Die Synchronisierung hängt',
  reasons: reasonLabelsDe,
  remedy: '„Löschen und neu laden“ entfernt die Kopie der Datenbank auf diesem Gerät und lädt eine frische vom Server.',
  nothingToLose: 'Alle Ihre Änderungen sind auf dem Server; nichts geht verloren.',
  changesToLose: (changes, rows) =>
    `${changes} lokale Änderungen (in ${rows} Zeilen) sind nicht auf dem Server. Sie gehen verloren, wenn Sie sie nicht vorher exportieren.`,
  exportChanges: 'Ungesicherte Änderungen exportieren',
  exporting: 'Wird exportiert …',
  exported: 'Die ungesicherten Änderungen wurden als Datei gespeichert.',
  exportFailed: (message) => `Export fehlgeschlagen: ${message}`,
  nuke: 'Löschen und neu laden …',
  notNow: 'Nicht jetzt',
  confirmTitle: 'Kopie auf diesem Gerät löschen?',
  confirmNothingToLose: 'Die lokale Datenbank wird gelöscht und neu geladen. Das lässt sich nicht rückgängig machen.',
  confirmChangesToLose: (changes) =>
    `Die lokale Datenbank wird gelöscht und neu geladen. ${changes} ungesicherte Änderungen gehen verloren. Das lässt sich nicht rückgängig machen.`,
  confirm: 'Löschen und neu laden',
  back: 'Zurück',
  resyncingTitle: 'Frische Kopie wird geladen',
  resyncingDescription: 'Die lokale Datenbank wurde gelöscht und wird neu geladen. Bitte lassen Sie diesen Tab geöffnet.',
  progress: syncProgressLabelsDe,
  failedTitle: 'Löschen und neu laden fehlgeschlagen',
  failed: (message) => `Die lokale Datenbank konnte nicht ersetzt werden: ${message}`,
  retry: 'Erneut versuchen',
  close: 'Schließen',
};
