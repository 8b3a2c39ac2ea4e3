import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalstackContainer, type StartedLocalStackContainer } from '@testcontainers/localstack';
import { getContainerRuntimeClient, ImageName } from 'testcontainers';
import { REAPER_IMAGE } from 'testcontainers/build/reaper/reaper.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clientsFor } from '../../scripts/lib/clients.js';
import { deploy, type Deployment } from '../../scripts/lib/deployment.js';
import { projectRoot } from '../../scripts/lib/paths.js';
import { resolveTarget, type Target } from '../../scripts/lib/targets.js';
import { runMatrix, type MatrixReport } from '../../scripts/matrix/run.js';

const IMAGE = process.env.LOCALSTACK_IMAGE ?? 'localstack/localstack:4.14.0';
/** The image LocalStack 4.14 runs nodejs22.x functions in: without it every case fails, so it is needed as much. */
const LAMBDA_IMAGE = 'public.ecr.aws/lambda/nodejs:22';
const DETECT_TIMEOUT_MS = 20_000;
const PULL_TIMEOUT_MS = 10 * 60_000;

function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Where LocalStack can run: the Docker engine's socket, or why it cannot. Docker must answer, and every image the suite
 * needs must be present or pullable: LocalStack's, the Lambda image its functions run in and, unless it is turned off
 * (TESTCONTAINERS_RYUK_DISABLED=true), the reaper testcontainers starts first. The Lambda image must be pullable even
 * when present: each start of LocalStack 4.14.0 pulls it for its first function (its docker_runtime_executor.py), so
 * without its registry every function fails to create, and the suite would fail where it should say why it cannot run.
 */
async function whereLocalStackRuns(): Promise<{ socketPath: string } | { skipReason: string }> {
  let runtime;
  try {
    runtime = await within(DETECT_TIMEOUT_MS, 'the Docker engine', getContainerRuntimeClient());
  } catch (error) {
    return { skipReason: `no Docker engine answers (${(error as Error).message.split('\n')[0]})` };
  }
  const images = [IMAGE, LAMBDA_IMAGE, ...(process.env.TESTCONTAINERS_RYUK_DISABLED === 'true' ? [] : [REAPER_IMAGE])];
  for (const name of images) {
    const image = ImageName.fromString(name);
    if (name !== LAMBDA_IMAGE && (await runtime.image.exists(image))) continue;
    try {
      await within(PULL_TIMEOUT_MS, `pulling ${name}`, runtime.image.pull(image));
    } catch (error) {
      const present = name === LAMBDA_IMAGE && (await runtime.image.exists(image));
      return { skipReason: `the image ${name} ${present ? 'is present, but each LocalStack start pulls it again, and it' : 'is not present and'} cannot be pulled (${(error as Error).message.split('\n')[0]})` };
    }
  }
  // Rootless Docker and other engines keep their socket elsewhere than /var/run/docker.sock.
  return { socketPath: runtime.info.containerRuntime.remoteSocketPath };
}

const where = await whereLocalStackRuns();
const skipReason = 'skipReason' in where ? where.skipReason : undefined;
const socketPath = 'socketPath' in where ? where.socketPath : undefined;
if (skipReason) console.warn(`SKIP LocalStack Docker suite: ${skipReason}. It runs wherever Docker can pull ${[IMAGE, LAMBDA_IMAGE].join(' and ')}.`);


/** The services compose.yaml starts LocalStack with (host mode's list is held to it by tests/template/compose.test.ts). */
async function composeServices(): Promise<string> {
  const compose = parse(await readFile(join(projectRoot, 'compose.yaml'), 'utf8')) as { services: { localstack: { environment: { SERVICES: string } } } };
  return compose.services.localstack.environment.SERVICES;
}
describe.skipIf(skipReason !== undefined)(`the matrix on LocalStack in Docker (${IMAGE})`, () => {
  let container: StartedLocalStackContainer | undefined;
  let target: Target;
  let deployment: Deployment;
  let report: MatrixReport;

  beforeAll(async () => {
    // The module labels the Lambda containers LocalStack starts, so the session's reaper removes them too.
    container = await new LocalstackContainer(IMAGE)
      .withEnvironment({ SERVICES: await composeServices(), LAMBDA_IGNORE_ARCHITECTURE: '1', ...(process.env.LOCALSTACK_AUTH_TOKEN ? { LOCALSTACK_AUTH_TOKEN: process.env.LOCALSTACK_AUTH_TOKEN } : {}) })
      .withBindMounts([{ source: socketPath!, target: '/var/run/docker.sock' }])
      .withStartupTimeout(180_000)
      .start();
    target = await resolveTarget('localstack', { env: { LOCALSTACK_ENDPOINT: container.getConnectionUri() }, checkReachable: true });
    deployment = await deploy(target, { log: (line) => console.log(line) });
    report = await runMatrix({ target, clients: clientsFor(target), stack: deployment, log: console.log });
  }, 20 * 60_000);

  afterAll(async () => {
    await container?.stop();
  });

  it('deploys the unchanged template with the identical artefact, warning about what LocalStack does not emulate', () => {
    // Assess
    expect(deployment.drift.filter((check) => check.status === 'DRIFT')).toEqual([]);
    expect(deployment.drift.filter((check) => check.status === 'warn').map((check) => check.property)).toEqual(
      expect.arrayContaining(['publicAccessBlock', 'ownershipControls']),
    );
  });

  it.each([1, 2, 3, 4, 6])('passes case %i', (id) => {
    // Assess
    const result = report.results.find((r) => r.id === id);
    expect(result, JSON.stringify(result)).toMatchObject({ outcome: 'PASS' });
  });

  it('fails case 7 only on the log group: the stock init drops the logs of an init failure (version_manager.py)', () => {
    // Assess
    expect(report.results.find((r) => r.id === 7)).toMatchObject({ outcome: 'FAIL', reason: expect.stringContaining("the error is not in the function's log group") });
  });

  it('simulates case 5 and skips case 8, saying why', () => {
    // Assess
    expect(report.results.find((r) => r.id === 5)).toMatchObject({ outcome: 'SIMULATED', reason: expect.stringContaining('does not enforce IAM') });
    expect(report.results.find((r) => r.id === 8)).toMatchObject({ outcome: 'SKIP', reason: 'localstack has no CloudTrail' });
  });
});
