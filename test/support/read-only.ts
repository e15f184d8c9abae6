import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const isRoot = process.getuid?.() === 0;

function chmodTree(path: string, writable: boolean): void {
  const mode = statSync(path).mode;
  chmodSync(path, writable ? mode | 0o200 : mode & ~0o222);
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path)) chmodTree(join(path, entry), writable);
  }
}

/**
 * Makes a folder tree read-only for real, for this process and any other: root ignores
 * permission bits, so as root the tree is marked immutable (chattr +i), else write bits go.
 */
export function makeReadOnly(dir: string): void {
  if (isRoot) execFileSync('chattr', ['-R', '+i', dir]);
  else chmodTree(dir, false);
}

export function makeWritable(dir: string): void {
  if (isRoot) execFileSync('chattr', ['-R', '-i', dir], { stdio: 'ignore' });
  else chmodTree(dir, true);
}

/** Whether makeReadOnly bites here (chattr needs CAP_LINUX_IMMUTABLE and a filesystem that has it). */
export function readOnlyFoldersWork(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'ragline-ro-probe-'));
  try {
    makeReadOnly(dir);
    try {
      writeFileSync(join(dir, 'probe'), 'x');
      return false;
    } catch {
      return true;
    }
  } catch {
    return false;
  } finally {
    try {
      makeWritable(dir);
    } catch {
      // nothing was changed
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
