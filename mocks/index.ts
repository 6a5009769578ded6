// The mock sync backend for stories and browser tests: the real server core in
// the page, behind mock-socket and msw, with scripted faults.
export { createInMemorySyncClient, type InMemorySyncClient, type InMemorySyncClientOptions } from './in-memory-sync-client.ts';
export type { FaultSettings, FlapMode } from './fault-settings.ts';
export {
  createMockSyncBackend,
  DEFAULT_MOCK_SYNC_URL,
  type BacklogOptions,
  type MockSyncBackend,
  type MockSyncBackendOptions,
  type SchemaChange,
} from './mock-sync-backend.ts';
export { ABNORMAL_CLOSE_CODE } from './mock-socket-connection.ts';
export type { MockSyncFaults } from './mock-sync-faults.ts';
export { mockSyncHttpHandlers } from './sync-http-handlers.ts';
export {
  runScript,
  type SyncScriptAction,
  type SyncScriptCondition,
  type SyncScriptOptions,
  type SyncScriptStep,
  type SyncScriptTiming,
} from './sync-script.ts';
