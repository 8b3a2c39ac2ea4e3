import { mkdir, rm, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../scripts/lib/cli.js';
import { ensureLocalStackHost } from '../../scripts/lib/localstack-host.js';
import { localstackServices } from '../../scripts/lib/localstack-services.js';

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
