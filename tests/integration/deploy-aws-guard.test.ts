import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientsFor } from '../../scripts/lib/clients.js';
import { startEmulator, type RunningEmulator } from '../../scripts/lib/emulator.js';
import { embeddedTarget } from '../../scripts/lib/targets.js';
import { environmentWithoutAws, runCommand, withTsx, type Finished } from '../support/run-command.js';

let emulator: RunningEmulator | undefined;
let configDir: string;

beforeAll(async () => {
  configDir = await mkdtemp(join(tmpdir(), 'backup-kit-aws-guard-'));
  emulator = await startEmulator({ stateDir: join(configDir, 'emulator') });
});
afterAll(async () => {
  await emulator?.stop();
  await rm(configDir, { recursive: true, force: true });
});

/** Runs `deploy --target aws --yes` with only a shared-config profile: no AWS_ENDPOINT_URL*, no key variables. */
function deployToAwsWithProfile(profile: string): Promise<Finished> {
  return runCommand(process.execPath, withTsx('scripts/deploy.ts', '--target', 'aws', '--yes'), {
    ...environmentWithoutAws(),
    AWS_CONFIG_FILE: join(configDir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(configDir, 'credentials'),
    AWS_PROFILE: profile,
    AWS_REGION: 'us-east-1',
  });
}

describe('deploy --target aws', () => {
  it('refuses a shared-config profile whose endpoint_url and keys are an emulator, and writes nothing', async () => {
    // Prepare
    await writeFile(join(configDir, 'config'), `[profile emulated]\nregion = us-east-1\nendpoint_url = ${emulator!.endpoint}\n`);
    await writeFile(join(configDir, 'credentials'), '[emulated]\naws_access_key_id = test\naws_secret_access_key = test\n');
    // Act
    const deployed = await deployToAwsWithProfile('emulated');
    // Assess
    expect(deployed.stdout + deployed.stderr).toContain(`refusing to use target aws: the SDK would send STS requests to ${emulator!.endpoint}, which is not AWS`);
    expect(deployed.code).toBe(2);
    const { s3, cloudFormation } = clientsFor(embeddedTarget(emulator!.endpoint));
    expect((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
    expect((await cloudFormation.send(new ListStacksCommand({}))).StackSummaries ?? []).toEqual([]);
  }, 60_000);
});
