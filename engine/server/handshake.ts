import { PROTOCOL_VERSION, type HelloMessage, type RejectReason } from '../protocol/messages.ts';
import type { ServerDatabase } from './server-database.ts';

export interface HandshakeRefusal {
  readonly reason: RejectReason;
  readonly message: string;
}

/** Refuses a hello that speaks another protocol version, before anything is opened. */
export function checkProtocol(hello: HelloMessage): HandshakeRefusal | null {
  if (hello.protocolVersion === PROTOCOL_VERSION) return null;
  return {
    reason: 'protocol-version',
    message: `the client speaks protocol ${hello.protocolVersion}, this server speaks ${PROTOCOL_VERSION}`,
  };
}

/**
 * Refuses a hello whose schema or server identity does not match the database:
 * syncing it would mix rows of another schema, or assume history the server
 * no longer has.
 */
export function checkDatabase(hello: HelloMessage, database: ServerDatabase, dbVersion: number): HandshakeRefusal | null {
  if (hello.schemaName !== database.schemaName || hello.schemaVersion !== database.schemaVersion) {
    return {
      reason: 'schema-mismatch',
      message: `the client has schema ${hello.schemaName} ${hello.schemaVersion}, database ${database.name} has ${database.schemaName} ${database.schemaVersion}`,
    };
  }
  if (hello.lastServerSiteId !== null && hello.lastServerSiteId !== database.siteId) {
    return {
      reason: 'server-rebuilt',
      message: `the client last synced with server ${hello.lastServerSiteId}, database ${database.name} is now ${database.siteId}`,
    };
  }
  if (hello.lastServerSiteId === null && hello.serverCursor > 0) {
    return {
      reason: 'server-rebuilt',
      message: `the client holds a server cursor (${hello.serverCursor}) but no server identity`,
    };
  }
  // Same identity but less history than the client has seen: the server was
  // restored from an older copy, and changes the client thinks are on it are gone.
  if (hello.serverCursor > dbVersion) {
    return {
      reason: 'server-rebuilt',
      message: `the client has seen server version ${hello.serverCursor}, database ${database.name} is only at ${dbVersion}`,
    };
  }
  return null;
}
