import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/lib/paths.js';
import { projectPython } from '../../scripts/lib/python.js';

// scripts/localstack/host.py's end, with a stand-in for LocalStack's runtime: once it returns, the runner ends, even
// with a thread left that waits for ever (a gateway worker writing to a server that is gone), which the interpreter's
// own exit would join. Plain Python: the runner imports LocalStack only in main().

const runnerDir = join(projectRoot, 'scripts', 'localstack');
/** How long a runner may take to end before it counts as hanging: far above the ~100 ms a Python start takes. */
const hangAfterMs = 20_000;

/** Runs `run_then_exit` on a stand-in whose body is `body` (Python, indented 4), beside a thread that never ends. */
function runnerEndingWith(body: string): Promise<{ code: number | null; stdout: string; stderr: string; hung: boolean }> {
  const script = [
    'import sys, threading',
    `sys.path.insert(0, ${JSON.stringify(runnerDir)})`,
    'from host import run_then_exit',
    'def stand_in():',
    '    threading.Thread(target=threading.Event().wait, name="asgi_gw_0").start()',
    '    print("Ready.")',
    body,
    'run_then_exit(stand_in)',
  ].join('\n');
  // Buffered output, as a Python started without PYTHONUNBUFFERED has: what was printed must still come out.
  const { PYTHONUNBUFFERED: _unbuffered, ...env } = process.env;
  const child = spawn(projectPython(), ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    const hang = setTimeout(() => child.kill('SIGKILL'), hangAfterMs);
    child.once('close', (code, signal) => {
      clearTimeout(hang);
      resolve({ code, stdout, stderr, hung: signal === 'SIGKILL' });
    });
  });
}

describe('the kit\'s LocalStack runner once LocalStack\'s runtime has returned', () => {
  it('ends with the runtime\'s exit code and keeps what it printed, instead of joining a thread that never ends', async () => {
    // Act: LocalStack's main ends with sys.exit(runtime.exit_code)
    const ended = await runnerEndingWith('    sys.exit(3)');
    // Assess
    expect(ended).toEqual({ code: 3, stdout: 'Ready.\n', stderr: '', hung: false });
  }, hangAfterMs + 10_000);

  it('ends with code 0 when the runtime returns without exiting', async () => {
    // Act
    const ended = await runnerEndingWith('    return None');
    // Assess
    expect(ended).toMatchObject({ code: 0, stdout: 'Ready.\n', hung: false });
  }, hangAfterMs + 10_000);

  it('prints the message of a runtime that exited with one and ends with code 1, as Python does', async () => {
    // Act
    const ended = await runnerEndingWith('    sys.exit("the gateway could not bind port 4577")');
    // Assess
    expect(ended).toEqual({ code: 1, stdout: 'Ready.\n', stderr: 'the gateway could not bind port 4577\n', hung: false });
  }, hangAfterMs + 10_000);

  it('prints the traceback of a runtime that failed and ends with code 1', async () => {
    // Act
    const ended = await runnerEndingWith('    raise RuntimeError("the gateway could not bind")');
    // Assess
    expect(ended).toMatchObject({ code: 1, stdout: 'Ready.\n', hung: false });
    expect(ended.stderr).toContain('RuntimeError: the gateway could not bind');
  }, hangAfterMs + 10_000);
});
