import schemaText from '../../server/schema.sql?raw';
import { parseSchemaText, type ServerSchema } from '../../engine/server/server-schema.ts';

/**
 * The demo bookshop schema the real server serves (`server/schema.sql`), read from
 * the same file, so the mock scenarios and the Live story sync the same tables.
 */
export const BOOKSHOP_SCHEMA: ServerSchema = parseSchemaText(schemaText, 'server/schema.sql');
