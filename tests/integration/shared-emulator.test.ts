import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CreateBucketCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clientsFor } from '../../scripts/lib/clients.js';
import { UsageError } from '../../scripts/lib/cli.js';
import { ensureEmbeddedEmulator, startEmulator, stopSharedEmulator, type SharedEmulatorPlace } from '../../scripts/lib/emulator.js';
import { projectRoot } from '../../scripts/lib/paths.js';
import { processAlive } from '../../scripts/lib/process-alive.js';
import { projectPython } from '../../scripts/lib/python.js';
import { embeddedTarget } from '../../scripts/lib/targets.js';
import { waitFor } from '../../scripts/lib/wait.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const healthOf = async (endpoint: string) => (await (await fetch(`${endpoint}/_backup-kit/health`)).json()) as { pid: number };

let place: SharedEmulatorPlace;
const started: number[] = [];

beforeEach(async () => {
  place = { dir: await mkdtemp(join(tmpdir(), 'backup-kit-shared-')), port: await freePort() };
});
afterEach(async () => {
  // Whatever a test left running is stopped by its pid: the ones it started, and any emulator on its port.
  const answering = await healthOf(`http://127.0.0.1:${place.port}`).catch(() => undefined);
  if (answering) started.push(answering.pid);
  for (const pid of started.splice(0)) if (processAlive(pid)) process.kill(pid, 'SIGTERM');
  await rm(place.dir, { recursive: true, force: true });
});

describe("a private emulator in a process group of its own (the bench's)", () => {
  it("is out of reach of the terminal's Ctrl-C, which the script handles, and stops with the script", async () => {
    // Prepare: a script that starts one and reports, on its Ctrl-C, whether the emulator still answers
    const dir = await mkdtemp(join(tmpdir(), 'backup-kit-group-'));
    const script = join(dir, 'starts.mts');
    await writeFile(
      script,
      [
        `import { startEmulator } from ${JSON.stringify(join(projectRoot, 'scripts', 'lib', 'emulator.js'))};`,
        `const emulator = await startEmulator({ stateDir: ${JSON.stringify(join(dir, 'state'))}, ownProcessGroup: true });`,
        // Asked a moment after the Ctrl-C: an emulator that had it too is on its way out by then.
        `process.on('SIGINT', async () => { await new Promise((resolve) => setTimeout(resolve, 1500)); const answers = await fetch(emulator.endpoint + '/_backup-kit/health').then(() => true, () => false); console.log(JSON.stringify({ answers })); process.exit(130); });`,
        `console.log(JSON.stringify({ pid: emulator.pid }));`,
        'setInterval(() => undefined, 1000);',
      ].join('\n'),
    );
    // In a group of its own too, as a terminal's foreground job is: the Ctrl-C goes to that whole group.
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: projectRoot, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    const said: Record<string, unknown>[] = [];
    child.stdout!.on('data', (chunk: Buffer) => said.push(...chunk.toString().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)));
    const pid = await waitFor('the emulator to start', async () => said.find((line) => typeof line.pid === 'number')?.pid as number | undefined, { timeoutMs: 30_000 });
    started.push(pid);
    try {
      // Act
      process.kill(-child.pid!, 'SIGINT');
      await waitFor('the script to end', async () => (child.exitCode ?? undefined), { timeoutMs: 10_000 });
      // Assess
      expect(said).toContainEqual({ answers: true });
      await waitFor('the emulator to stop with the script', async () => (processAlive(pid) ? undefined : true), { timeoutMs: 10_000 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the shared embedded emulator', () => {
  it('is started once when two scripts ask for it at the same time, and the loser uses the winner', async () => {
    // Act
    const endpoints = await Promise.all([ensureEmbeddedEmulator({ start: true, place }), ensureEmbeddedEmulator({ start: true, place })]);
    // Assess
    const { pid } = await healthOf(endpoints[0]);
    started.push(pid);
    expect(endpoints).toEqual([`http://127.0.0.1:${place.port}`, `http://127.0.0.1:${place.port}`]);
    const record = JSON.parse(await readFile(join(place.dir, 'emulator.json'), 'utf8')) as { pid: number };
    expect(record.pid).toBe(pid);
  }, 60_000);

  it('is stopped by a stop asked for while it starts: the stop waits for the start, where it said none ran and the emulator ran on', async () => {
    // Prepare: a start under way, its emulator not yet recorded
    const starting = ensureEmbeddedEmulator({ start: true, place });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Act
    const stop = await stopSharedEmulator(place);
    const endpoint = await starting;
    // Assess
    expect(stop.stopped).toBe(true);
    expect(stop.message).toMatch(/^stopped the embedded emulator \(pid \d+/);
    expect(await healthOf(endpoint).catch(() => 'not answering')).toBe('not answering');
  }, 60_000);

  it("keeps the running emulator's log when a second start on its port fails", async () => {
    // Prepare
    const endpoint = await ensureEmbeddedEmulator({ start: true, place });
    started.push((await healthOf(endpoint)).pid);
    const logFile = join(place.dir, 'shared', 'emulator.log');
    const before = await readFile(logFile, 'utf8');
    // Act
    const second = startEmulator({ stateDir: join(place.dir, 'shared'), port: place.port });
    // Assess
    await expect(second).rejects.toThrow(/exited before it was ready[\s\S]*already in use/);
    expect((await readFile(logFile, 'utf8')).startsWith(before)).toBe(true);
  }, 60_000);

  it('stops the emulator it recorded, verified by the pid it reports, and says so', async () => {
    // Prepare
    const endpoint = await ensureEmbeddedEmulator({ start: true, place });
    const { pid } = await healthOf(endpoint);
    started.push(pid);
    // Act
    const report = await stopSharedEmulator(place);
    // Assess
    expect(report).toEqual({
      stopped: true,
      message: `stopped the embedded emulator (pid ${pid}, ${endpoint}); the stacks, buckets and backups it held in memory went with it (\`make deploy\` starts a new one)`,
    });
    expect(processAlive(pid)).toBe(false);
  }, 60_000);

  it('stops its own background emulator found without its record (a start cut short by Ctrl-C), where no verb could stop it', async () => {
    // Prepare: the record is missing, as when a Ctrl-C ends the start between the launch and the record
    const endpoint = await ensureEmbeddedEmulator({ start: true, place });
    const { pid } = await healthOf(endpoint);
    started.push(pid);
    await rm(join(place.dir, 'emulator.json'));
    // Act
    const report = await stopSharedEmulator(place);
    // Assess
    expect(report).toEqual({
      stopped: true,
      message: `stopped the embedded emulator (pid ${pid}, ${endpoint}): this checkout had started it in the background without recording it (a start cut short?); the stacks, buckets and backups it held in memory went with it (\`make deploy\` starts a new one)`,
    });
    expect(processAlive(pid)).toBe(false);
  }, 60_000);

  it("leaves this checkout's own `make emulator`, which has no record either, to its Ctrl-C", async () => {
    // Prepare: `make emulator` of this checkout, in the foreground of another terminal
    const foreground = spawn(projectPython(), [join(projectRoot, 'scripts', 'emulator', 'launcher.py'), '--port', String(place.port), '--state-dir', join(place.dir, 'foreground')], { stdio: 'ignore' });
    started.push(foreground.pid!);
    const endpoint = `http://127.0.0.1:${place.port}`;
    await waitFor('the foreground emulator', () => healthOf(endpoint).catch(() => undefined), { timeoutMs: 30_000 });
    // Act
    const report = await stopSharedEmulator(place);
    // Assess
    expect(report.stopped).toBe(false);
    expect(report.message).toContain(`is \`make emulator\` of the checkout ${place.dir}: stop it with Ctrl-C where that runs`);
    expect(processAlive(foreground.pid!)).toBe(true);
  }, 60_000);

  it('refuses to start a second background emulator on another port while the one it recorded runs', async () => {
    // Prepare: this checkout's background emulator runs on the place's port
    const endpoint = await ensureEmbeddedEmulator({ start: true, place });
    const elsewhere = { ...place, port: await freePort() };
    // Act
    const second = ensureEmbeddedEmulator({ start: true, place: elsewhere });
    // Assess
    await expect(second).rejects.toThrow(UsageError);
    await expect(second).rejects.toThrow(
      `this checkout's background emulator runs on ${endpoint}: stop it first (BACKUP_KIT_EMULATOR_PORT=${place.port} make emulator-stop), or use its port`,
    );
    expect(await healthOf(`http://127.0.0.1:${elsewhere.port}`).catch(() => undefined)).toBeUndefined();
    expect((await stopSharedEmulator(place)).stopped).toBe(true);
  }, 60_000);

  it("refuses an emulator of other code on its port that it did not start, and leaves the one it recorded on another port running, where it stopped that one", async () => {
    // Prepare: this checkout's background emulator runs on the place's port; on another port answers an emulator of
    // other code that this checkout did not start (another checkout's `make emulator`, stood in for by its health)
    const endpoint = await ensureEmbeddedEmulator({ start: true, place });
    const { pid } = await healthOf(endpoint);
    started.push(pid);
    const foreign = createHttpServer((_request, response) => response.end(JSON.stringify({ emulator: 'backup-kit', pid: process.pid, code: 'other code' })));
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    const elsewhere = { ...place, port: (foreign.address() as AddressInfo).port };
    try {
      // Act
      const deploy = ensureEmbeddedEmulator({ start: true, place: elsewhere });
      // Assess
      await expect(deploy).rejects.toThrow(UsageError);
      await expect(deploy).rejects.toThrow(`the embedded emulator on http://127.0.0.1:${elsewhere.port} runs other code than this checkout and was not started by it`);
      expect(processAlive(pid)).toBe(true);
      expect((await healthOf(endpoint)).pid).toBe(pid);
    } finally {
      await new Promise((resolve) => foreign.close(resolve));
    }
  }, 60_000);

  it('names the checkout whose background emulator answers on its port, and to stop it there, where it guessed `make emulator`', async () => {
    // Prepare: two checkouts, one port: the other checkout's `make deploy` started the emulator there in the background
    const endpoint = await ensureEmbeddedEmulator({ start: true, place });
    const { pid } = await healthOf(endpoint);
    started.push(pid);
    const thisCheckout = { ...place, dir: await mkdtemp(join(tmpdir(), 'backup-kit-shared-')) };
    try {
      // Act
      const report = await stopSharedEmulator(thisCheckout);
      // Assess
      expect(report).toEqual({
        stopped: false,
        message: `no background emulator was started by this checkout; the emulator on ${endpoint} (pid ${pid}) was started in the background by the checkout ${place.dir}: stop it there (\`make emulator-stop\`)`,
      });
      expect(processAlive(pid)).toBe(true);
    } finally {
      await rm(thisCheckout.dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("names the checkout whose `make emulator` answers on its port, read from where that runs, where it named this one", async () => {
    // Prepare: two checkouts, one port: the other one runs `make emulator`, whose state directory is relative to it
    const otherCheckout = await mkdtemp(join(tmpdir(), 'backup-kit-checkout-'));
    const foreground = spawn(projectPython(), [join(projectRoot, 'scripts', 'emulator', 'launcher.py'), '--port', String(place.port), '--state-dir', '.emulator/foreground'], {
      cwd: otherCheckout,
      stdio: 'ignore',
    });
    started.push(foreground.pid!);
    const endpoint = `http://127.0.0.1:${place.port}`;
    await waitFor('the foreground emulator', () => healthOf(endpoint).catch(() => undefined), { timeoutMs: 30_000 });
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      // Act
      const report = await stopSharedEmulator(place);
      await ensureEmbeddedEmulator({ start: false, place });
      // Assess
      expect(report.message).toBe(
        `no background emulator was started by this checkout; the emulator on ${endpoint} (pid ${foreground.pid}) is \`make emulator\` of the checkout ${otherCheckout}: stop it with Ctrl-C where that runs`,
      );
      expect(said.mock.calls.map((call) => String(call[0]))).toEqual([expect.stringContaining(`note: the embedded emulator on ${endpoint} is \`make emulator\` of the checkout ${otherCheckout}:`)]);
    } finally {
      said.mockRestore();
      await rm(otherCheckout, { recursive: true, force: true });
    }
  }, 60_000);

  it("says that the emulator it uses is another checkout's, whose stacks and backups its verbs then act on, where it said nothing", async () => {
    // Prepare: two checkouts, one port: the other checkout's `make deploy` started the emulator there in the background
    const endpoint = await ensureEmbeddedEmulator({ start: true, place });
    started.push((await healthOf(endpoint)).pid);
    const thisCheckout = { ...place, dir: await mkdtemp(join(tmpdir(), 'backup-kit-shared-')) };
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      // Act: a deploy, and a verb that only uses it
      const used = await Promise.all([ensureEmbeddedEmulator({ start: true, place: thisCheckout }), ensureEmbeddedEmulator({ start: false, place: thisCheckout })]);
      // Assess
      expect(used).toEqual([endpoint, endpoint]);
      const notes = said.mock.calls.map((call) => String(call[0]));
      expect(notes).toEqual([0, 1].map(() => expect.stringContaining(`note: the embedded emulator on ${endpoint} was started in the background by the checkout ${place.dir}: this checkout's verbs act on the stacks, buckets and backups it holds, that checkout's too (BACKUP_KIT_EMULATOR_PORT=<another port> gives this checkout an emulator of its own)`)));
    } finally {
      said.mockRestore();
      await rm(thisCheckout.dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('says that the background emulator it started has ended, with its stacks and objects, where it said only that none answers', async () => {
    // Prepare: the record of an emulator that ended without a stop (a crash, a kill, a reboot)
    const ended = spawn('true', { stdio: 'ignore' });
    await new Promise((resolve) => ended.once('exit', resolve));
    const startedAt = '2026-11-30T08:00:00.000Z';
    await writeFile(join(place.dir, 'emulator.json'), JSON.stringify({ pid: ended.pid, port: place.port, startedAt }));
    // Act
    const lookup = ensureEmbeddedEmulator({ start: false, place });
    // Assess
    await expect(lookup).rejects.toThrow(UsageError);
    await expect(lookup).rejects.toThrow(
      `no embedded emulator answers on http://127.0.0.1:${place.port}: the background emulator this checkout started at ${startedAt} (pid ${ended.pid}) has ended without a stop (its log ${relative(projectRoot, join(place.dir, 'shared', 'emulator.log'))} may say why), and the stacks, buckets and backups it held in memory went with it: \`make deploy\` starts a new one`,
    );
  });

  it('names the port of the emulator it recorded when a verb looks for one on another port', async () => {
    // Prepare
    const endpoint = await ensureEmbeddedEmulator({ start: true, place });
    const elsewhere = { ...place, port: await freePort() };
    // Act
    const lookup = ensureEmbeddedEmulator({ start: false, place: elsewhere });
    // Assess
    await expect(lookup).rejects.toThrow(UsageError);
    await expect(lookup).rejects.toThrow(
      `no embedded emulator answers on http://127.0.0.1:${elsewhere.port} (BACKUP_KIT_EMULATOR_PORT, 4599 when unset); this checkout's background emulator runs on ${endpoint}: set BACKUP_KIT_EMULATOR_PORT=${place.port}`,
    );
    expect((await stopSharedEmulator(place)).stopped).toBe(true);
  }, 60_000);

  it('never signals a recorded pid that now belongs to another process', async () => {
    // Prepare
    const unrelated = spawn('sleep', ['60'], { stdio: 'ignore' });
    started.push(unrelated.pid!);
    await writeFile(join(place.dir, 'emulator.json'), JSON.stringify({ pid: unrelated.pid, port: place.port, startedAt: new Date().toISOString() }));
    // Act
    const report = await stopSharedEmulator(place);
    // Assess
    expect(report).toEqual({ stopped: false, message: `the recorded emulator (pid ${unrelated.pid}) is now \`sleep 60\`: nothing was signalled; removed the stale record` });
    expect(processAlive(unrelated.pid!)).toBe(true);
  });

  it('says that another program holds its port and how to give the kit another one, where the verbs said to deploy and the deploy failed starting an emulator there', async () => {
    // Prepare: a web server of something else on the port
    const other = createHttpServer((_request, response) => response.end('not the emulator'));
    await new Promise<void>((resolve) => other.listen(place.port, '127.0.0.1', resolve));
    try {
      // Act: a verb, and a deploy, which starts the emulator
      const answers = await Promise.all(
        [false, true].map((start) => ensureEmbeddedEmulator({ start, place }).then(() => 'answered', (error: Error) => `${error.name}: ${error.message}`)),
      );
      // Assess
      expect(answers).toEqual(
        [0, 1].map(
          () =>
            `UsageError: something other than the embedded emulator listens on 127.0.0.1:${place.port} (BACKUP_KIT_EMULATOR_PORT, 4599 when unset): stop it, or give the kit a free port (export BACKUP_KIT_EMULATOR_PORT=<port> in every terminal you use)`,
        ),
      );
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  }, 60_000);

  it('says that its emulator runs and does not answer, instead of "not running" or a second start on a taken port', async () => {
    // Prepare: the background emulator is stopped (SIGSTOP): it holds its port and answers nothing
    const endpoint = await ensureEmbeddedEmulator({ start: true, place });
    const { pid } = await healthOf(endpoint);
    started.push(pid);
    process.kill(pid, 'SIGSTOP');
    try {
      // Act
      const answers = await Promise.all(
        [false, true].map((start) => ensureEmbeddedEmulator({ start, place }).then(() => 'answered', (error: Error) => `${error.name}: ${error.message}`)),
      );
      // Assess
      expect(answers).toEqual([0, 1].map(() => expect.stringMatching(new RegExp(`^UsageError: the embedded emulator \\(pid ${pid}\\) on ${endpoint} did not answer within 2 s: it is stopped or overloaded`))));
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  }, 60_000);

  it('keeps its state in memory: what it held is gone after a stop and a new start (as the README says)', async () => {
    // Prepare
    const endpoint = await ensureEmbeddedEmulator({ start: true, place });
    started.push((await healthOf(endpoint)).pid);
    await clientsFor(embeddedTarget(endpoint)).s3.send(new CreateBucketCommand({ Bucket: 'kit-remembered' }));
    await stopSharedEmulator(place);
    // Act
    const restarted = await ensureEmbeddedEmulator({ start: true, place });
    started.push((await healthOf(restarted)).pid);
    // Assess
    const { Buckets } = await clientsFor(embeddedTarget(restarted)).s3.send(new ListBucketsCommand({}));
    expect(Buckets ?? []).toEqual([]);
  }, 60_000);
});
