import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest global setup: every temporary directory of this run (emulator state, function code, parameter files)
 * goes under one directory that is removed when the run ends, whatever a test left in it.
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'backup-kit-tests-'));
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
