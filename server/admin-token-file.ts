import { readFileSync } from 'node:fs';
import { MIN_ADMIN_TOKEN_BYTES } from '../engine/server/http-security-options.ts';
import { CliUsageError } from './cli-args.ts';

/**
 * The admin token from `--admin-token-file`: the file's content without the line
 * break an editor or `echo` leaves at the end. A file keeps the token out of the
 * process list and the shell history, where `--admin-token` would put it.
 */
export function readAdminTokenFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliUsageError(`--admin-token-file: cannot read ${path} (${error instanceof Error ? error.message : String(error)})`);
  }
  const token = text.replace(/\r?\n$/, '');
  if (new TextEncoder().encode(token).length < MIN_ADMIN_TOKEN_BYTES) {
    throw new CliUsageError(`--admin-token-file: the token in ${path} must be at least ${MIN_ADMIN_TOKEN_BYTES} bytes long (e.g. openssl rand -hex 32 > ${path})`);
  }
  return token;
}
