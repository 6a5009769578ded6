import { GreenlightError } from '../errors.ts';

/** The schema every database of a server is created from. `sql` creates the tables and calls crsql_as_crr. */
export interface ServerSchema {
  readonly name: string;
  readonly version: number;
  readonly sql: string;
}

const SCHEMA_HEADER = /^--\s*greenlight-schema:\s*(\S+)\s+(\d+)\s*$/;

/**
 * Reads a schema from SQL text whose first line names it, e.g.
 * `-- greenlight-schema: bookshop 1`. Keeping the name and version inside the
 * file means they cannot drift apart from the SQL they describe.
 */
export function parseSchemaText(text: string, source: string): ServerSchema {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const match = SCHEMA_HEADER.exec(firstLine);
  const name = match?.[1];
  const version = match?.[2];
  if (name === undefined || version === undefined) {
    throw new GreenlightError(
      'internal',
      'server',
      `${source}: the first line must be "-- greenlight-schema: <name> <version>", got ${JSON.stringify(firstLine.slice(0, 80))}`,
    );
  }
  return { name, version: Number.parseInt(version, 10), sql: text };
}
