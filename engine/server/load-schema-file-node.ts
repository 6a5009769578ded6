import { readFile } from 'node:fs/promises';
import { GreenlightError } from '../errors.ts';
import { parseSchemaText, type ServerSchema } from './server-schema.ts';

/** Reads a `.sql` schema file whose first line is `-- greenlight-schema: <name> <version>` (Node only). */
export async function loadSchemaFile(path: string): Promise<ServerSchema> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new GreenlightError('storage', 'server', `cannot read the schema file ${path}`, { cause: error });
  }
  return parseSchemaText(text, path);
}
