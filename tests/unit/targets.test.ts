import { afterEach, describe, expect, it, vi } from 'vitest';
import { capabilitiesOf, localstackCapabilities, localstackModeAt, resolveTarget } from '../../scripts/lib/targets.js';

describe('resolveTarget', () => {
  it('points localstack at localhost:4566 with static credentials, overridable', async () => {
    // Act
    const fallback = await resolveTarget('localstack', { env: {} });
    const overridden = await resolveTarget('localstack', { env: { LOCALSTACK_ENDPOINT: 'http://localstack:4566' } });
    // Assess
    expect(fallback).toMatchObject({ endpoint: 'http://localhost:4566', credentials: { accessKeyId: 'test' }, region: 'us-east-1' });
    expect(overridden.endpoint).toBe('http://localstack:4566');
  });

  it("keeps localstack in the emulators' region whatever region the shell sets for AWS", async () => {
    // Act
    const target = await resolveTarget('localstack', { env: { AWS_REGION: 'eu-central-1', AWS_DEFAULT_REGION: 'eu-west-1' } });
    // Assess
    expect(target.region).toBe('us-east-1');
  });

  it('leaves aws to the normal endpoint and credential chain in the configured region', async () => {
    // Act
    const target = await resolveTarget('aws', { env: { AWS_REGION: 'eu-central-1', AWS_PROFILE: 'me' } });
    // Assess
    expect(target).toMatchObject({ name: 'aws', region: 'eu-central-1' });
    expect(target.endpoint).toBeUndefined();
    expect(target.credentials).toBeUndefined();
  });

  it('asks for a region on aws', async () => {
    // Act
    const resolve = resolveTarget('aws', { env: {} });
    // Assess
    await expect(resolve).rejects.toThrow(/set AWS_REGION/);
  });

  it('takes AWS_DEFAULT_REGION on aws when AWS_REGION is set but empty', async () => {
    // Prepare: a CI job's `AWS_REGION: ${{ vars.AWS_REGION }}` with no such variable sets it empty; the refusal said to
    // set AWS_REGION or AWS_DEFAULT_REGION while AWS_DEFAULT_REGION was set
    const env = { AWS_REGION: '', AWS_DEFAULT_REGION: 'eu-west-1' };
    // Act
    const target = await resolveTarget('aws', { env });
    // Assess
    expect(target.region).toBe('eu-west-1');
  });

  it('keeps the known gaps of each target with its capabilities', () => {
    // Assess
    expect(capabilitiesOf.localstack.notEmulated).toEqual(['publicAccessBlock', 'ownershipControls', 'lifecycle', 'bucketEncryption', 'acl', 'retention']);
    expect(capabilitiesOf.embedded).toMatchObject({ iamEnforced: true, cloudTrail: false, notEmulated: [] });
    expect(capabilitiesOf.aws).toMatchObject({ iamEnforced: true, cloudTrail: true });
  });
});

describe('LocalStack modes', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.unstubAllEnvs();
  });

  it.each([
    [false, 'host'],
    [true, 'docker'],
  ])('reads is_docker=%s from /_localstack/info as %s mode', async (isDocker, mode) => {
    // Prepare
    const fetch = vi.fn(async () => new Response(JSON.stringify({ version: '4.14.0', is_docker: isDocker })));
    vi.stubGlobal('fetch', fetch);
    // Act
    const answered = await localstackModeAt('http://127.0.0.1:4577');
    // Assess
    expect(answered).toBe(mode);
    expect(fetch).toHaveBeenCalledWith('http://127.0.0.1:4577/_localstack/info', expect.anything());
  });

  it('finds in one request that LocalStack answers and how it runs', async () => {
    // Prepare
    const fetch = vi.fn(async (_url: string) => new Response(JSON.stringify({ version: '4.15.1', is_docker: false })));
    vi.stubGlobal('fetch', fetch);
    // Act
    const target = await resolveTarget('localstack', { checkReachable: true, env: { LOCALSTACK_ENDPOINT: 'http://127.0.0.1:4577' } });
    // Assess
    expect(target.capabilities.lambdaInContainers).toBe(false);
    expect(target.description).toMatch(/^LocalStack 4\.15\.1 in host mode/);
    expect(fetch.mock.calls.map(([url]) => url)).toEqual(['http://127.0.0.1:4577/_localstack/info']);
  });

  it('names the endpoint where no LocalStack answers, and how to start one', async () => {
    // Prepare
    vi.stubGlobal('fetch', vi.fn(async () => new Response('not found', { status: 404 })));
    // Act
    const resolve = resolveTarget('localstack', { checkReachable: true, env: { LOCALSTACK_ENDPOINT: 'http://127.0.0.1:4577' } });
    // Assess
    await expect(resolve).rejects.toThrow(/^LocalStack does not answer at http:\/\/127\.0\.0\.1:4577: start it without Docker with `make localstack-host`/);
  });

  it('names a LocalStack on the host-mode port that this checkout did not start, instead of advising to start one there', async () => {
    // Prepare: nothing at LocalStack's default endpoint; another checkout's host-mode LocalStack on 127.0.0.1:4577
    vi.stubEnv('BACKUP_KIT_LOCALSTACK_PORT', '');
    vi.stubGlobal('fetch', vi.fn(async (url: string) => (url.startsWith('http://127.0.0.1:4577/') ? new Response(JSON.stringify({ version: '4.14.0', is_docker: false })) : new Response('not found', { status: 404 }))));
    // Act
    const resolve = resolveTarget('localstack', { checkReachable: true, env: {} });
    // Assess
    await expect(resolve).rejects.toThrow(
      "LocalStack does not answer at http://localhost:4566; one answers at http://127.0.0.1:4577, where this checkout's `make localstack-host` would listen, but this checkout did not start it (another checkout's?): use it with LOCALSTACK_ENDPOINT=http://127.0.0.1:4577",
    );
  });

  it('knows no mode when LocalStack does not say', async () => {
    // Prepare
    vi.stubGlobal('fetch', vi.fn(async () => new Response('{}')));
    // Act
    const answered = await localstackModeAt('http://127.0.0.1:4577');
    // Assess
    expect(answered).toBeUndefined();
  });

  it('runs functions in containers only in Docker, and waits for the replaced event poller in both modes', () => {
    // Act
    const host = localstackCapabilities('host');
    const docker = localstackCapabilities('docker');
    // Assess
    expect(host).toMatchObject({ lambdaInContainers: false, settleAfterConfigChangeMs: 3_000, sesInbox: true });
    expect(docker).toMatchObject({ lambdaInContainers: true, settleAfterConfigChangeMs: 3_000 });
    expect(capabilitiesOf.embedded.settleAfterConfigChangeMs).toBe(0);
  });
});
