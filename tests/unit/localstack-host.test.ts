import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../scripts/lib/cli.js';
import { ensureLocalStackHost, stopLocalStackHost } from '../../scripts/lib/localstack-host.js';
import { localstackServices } from '../../scripts/lib/localstack-services.js';
import { processAlive } from '../../scripts/lib/process-alive.js';
import { resolveTarget } from '../../scripts/lib/targets.js';
import { waitFor } from '../../scripts/lib/wait.js';

// The shared host-mode LocalStack's record lives under the project root: this test gets a root of its own.
const root = vi.hoisted(() => ({ dir: '' }));
vi.mock('../../scripts/lib/paths.js', async (importOriginal) => {
  root.dir = mkdtempSync(join(tmpdir(), 'kit-localstack-host-'));
  return { ...(await importOriginal<object>()), projectRoot: root.dir };
});

// Whether the recorded LocalStack's process group holds its port (Linux /proc): this process stands in for it.
const port = vi.hoisted(() => ({ heldByRecorded: true }));
vi.mock('../../scripts/lib/port-owner.js', () => ({ portHeldByGroup: async () => port.heldByRecorded }));
// …and it runs the kit's runner, as the recorded LocalStack does.
vi.mock('../../scripts/lib/process-alive.js', async (importOriginal) => ({ ...(await importOriginal<object>()), runsScript: async () => true }));

const ENDPOINT = 'http://127.0.0.1:4577';
/** LocalStack 4.14's /_localstack/health: every service it knows, "disabled" when SERVICES leaves it out. */
const health = (states: Record<string, string>) => new Response(JSON.stringify({ services: states, edition: 'community', version: '4.14.0' }));
const allRunning = Object.fromEntries(localstackServices.map((service) => [service, 'running']));

describe('make localstack-host with a host-mode LocalStack running already', () => {
  beforeEach(async () => {
    // A LocalStack recorded by an earlier `make localstack-host`, alive (this process stands in for it) and answering
    await mkdir(join(root.dir, '.localstack'), { recursive: true });
    const record = { pid: process.pid, endpoint: ENDPOINT, logFile: join(root.dir, 'localstack.log'), startedAt: new Date().toISOString() };
    await writeFile(join(root.dir, '.localstack', 'host.json'), JSON.stringify(record));
    vi.stubEnv('BACKUP_KIT_LOCALSTACK_PORT', '');
    port.heldByRecorded = true;
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.unstubAllEnvs();
  });
  afterAll(async () => {
    await rm(root.dir, { recursive: true, force: true });
  });

  it('keeps it when it runs every service the kit uses', async () => {
    // Prepare
    vi.stubGlobal('fetch', vi.fn(async () => health(allRunning)));
    // Act
    const host = await ensureLocalStackHost();
    // Assess
    expect(host).toEqual({ endpoint: ENDPOINT, logFile: join(root.dir, 'localstack.log'), started: false });
  });

  it('refuses it, with how to restart, when what answers on its port is another server (another checkout took the port)', async () => {
    // Prepare
    vi.stubGlobal('fetch', vi.fn(async () => health(allRunning)));
    port.heldByRecorded = false;
    // Act
    const host = ensureLocalStackHost();
    // Assess
    await expect(host).rejects.toThrow(UsageError);
    await expect(host).rejects.toThrow(`(pid ${process.pid}) runs but does not answer there (or another server holds its port;`);
  });

  it('refuses to call it the one asked for when BACKUP_KIT_LOCALSTACK_PORT names another port', async () => {
    // Prepare
    vi.stubGlobal('fetch', vi.fn(async () => health(allRunning)));
    vi.stubEnv('BACKUP_KIT_LOCALSTACK_PORT', '4790');
    // Act
    const host = ensureLocalStackHost();
    // Assess
    await expect(host).rejects.toThrow(UsageError);
    await expect(host).rejects.toThrow(
      `this checkout's host-mode LocalStack runs on ${ENDPOINT}, not on port 4790 (BACKUP_KIT_LOCALSTACK_PORT): stop it first (\`make localstack-host-stop\`), or use its port`,
    );
  });

  it('refuses it, naming what it lacks and how to restart, when an older checkout started it with other services', async () => {
    // Prepare
    vi.stubGlobal('fetch', vi.fn(async () => health({ ...allRunning, cloudwatch: 'disabled' })));
    // Act
    const host = ensureLocalStackHost();
    // Assess
    await expect(host).rejects.toThrow(UsageError);
    await expect(host).rejects.toThrow(
      `LocalStack at ${ENDPOINT} runs without cloudwatch, which the kit's stack needs (it was started with other SERVICES, perhaps by an older checkout): restart it with \`make localstack-host-stop\`, then \`make localstack-host\``,
    );
  });
});

describe("this checkout's host-mode LocalStack running without its record (.localstack/host.json removed while it ran)", () => {
  // Stand-ins for LocalStack's runner: Node processes that idle with the runner's command line, each its own group.
  const runnerLike = (stateDir: string, ...more: string[]) =>
    spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', join(root.dir, 'scripts', 'localstack', 'host.py'), '--port', '4577', '--state-dir', stateDir, ...more], { detached: true, stdio: 'ignore' });
  let shared: ChildProcess;
  let suites: ChildProcess;
  beforeEach(async () => {
    // The runner `make localstack-host` started, and one a test suite started in a folder of its own
    await rm(join(root.dir, '.localstack', 'host.json'), { force: true });
    shared = runnerLike(join(root.dir, '.localstack', 'host'));
    suites = runnerLike(join(root.dir, '.localstack', 'it-suite'), '--exit-with-parent');
    await waitFor('the stand-ins to run', async () => (processAlive(shared.pid!) && processAlive(suites.pid!) ? true : undefined), { timeoutMs: 5_000 });
    vi.stubEnv('BACKUP_KIT_LOCALSTACK_PORT', '');
  });
  afterEach(() => {
    for (const child of [shared, suites]) if (processAlive(child.pid!)) process.kill(child.pid!, 'SIGKILL');
    vi.unstubAllGlobals();
    vi.unstubAllEnvs();
  });

  it('is stopped by make localstack-host-stop, found by its command line; a test suite\'s LocalStack is left alone', async () => {
    // Act
    const said = await stopLocalStackHost();
    // Assess
    expect(said).toBe(`stopped LocalStack (host mode, pid ${shared.pid}, which ran without its record ${join(root.dir, '.localstack', 'host.json')}) and its function processes`);
    await waitFor('the runner to end', async () => (processAlive(shared.pid!) ? undefined : true), { timeoutMs: 5_000 });
    expect(processAlive(suites.pid!)).toBe(true);
  });

  it('makes make localstack-host say so, and how to stop it, instead of refusing a busy port', async () => {
    // Act
    const host = ensureLocalStackHost();
    // Assess
    await expect(host).rejects.toThrow(UsageError);
    await expect(host).rejects.toThrow(
      `this checkout's host-mode LocalStack runs (pid ${shared.pid}) without its record ${join(root.dir, '.localstack', 'host.json')}, removed while it ran: \`make localstack-host-stop\` stops it, then \`make localstack-host\` starts it again`,
    );
  });

  it('makes a verb on TARGET=localstack say it is this checkout\'s, not another checkout\'s, when it answers', async () => {
    // Prepare: nothing answers at Docker's port; the unrecorded LocalStack answers at the host-mode port
    vi.stubGlobal('fetch', vi.fn(async (url: string) => (url.startsWith(ENDPOINT) ? new Response(JSON.stringify({ is_docker: false, version: '4.14.0' })) : Promise.reject(new Error('ECONNREFUSED')))));
    // Act
    const target = resolveTarget('localstack', { env: {}, checkReachable: true });
    // Assess
    await expect(target).rejects.toThrow(UsageError);
    await expect(target).rejects.toThrow(
      `LocalStack does not answer at http://localhost:4566; this checkout's host-mode LocalStack runs (pid ${shared.pid}) without its record ${join(root.dir, '.localstack', 'host.json')}, removed while it ran: \`make localstack-host-stop\` stops it, then \`make localstack-host\` starts it again`,
    );
  });
});
