import { PassThrough } from 'node:stream';
import type { CliIO } from '../io';
import { runCli } from '../program';

/** A CliIO that captures stdout and stderr, for running the CLI in-process in tests. */
export function testIO(env: Record<string, string> = {}, cwd = process.cwd()) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const io: CliIO = {
    stdout,
    stderr,
    env,
    cwd,
    now: Date.now,
    progressIntervalMs: 0,
    pollMs: 5,
  };
  return { io, out: () => out, err: () => err };
}

export const runCliIn = (io: CliIO, ...args: string[]) => runCli(['node', 'ragline', ...args], io);
