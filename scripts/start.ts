/**
 * `npm start`: the sync server on the default data folder and Storybook, side by
 * side, so the Live story has a real server to talk to. Ctrl-C stops both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { LIVE_STORY_ORIGINS, STORYBOOK_PORT } from './dev-origins.ts';

const children: ChildProcess[] = [];

function run(name: string, command: string, args: readonly string[]): void {
  const child = spawn(command, args, { stdio: 'inherit', env: process.env });
  children.push(child);
  child.on('exit', (code, signal) => {
    console.log(`greenlight: ${name} stopped (${signal ?? `exit ${code}`}); stopping the rest`);
    stopAll(code ?? 1);
  });
}

let stopping = false;
function stopAll(exitCode: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(exitCode), 500).unref();
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

// On loopback (the CLI's default), with scripting open and only Storybook's pages allowed to call it.
run('sync server', process.execPath, ['--import', 'tsx', 'server/cli.ts', '--allow-exec', '--cors-origin', LIVE_STORY_ORIGINS.join(','), ...process.argv.slice(2)]);
run('storybook', 'node_modules/.bin/storybook', ['dev', '-p', String(STORYBOOK_PORT), '--no-open', '--ci']);
