import { afterEach, describe, expect, it, vi } from 'vitest';
import { assertRealAws, capabilitiesOf, localstackCapabilities, localstackModeAt, parseTargetName, resolveTarget } from '../../scripts/lib/targets.js';

describe('parseTargetName', () => {
  it.each(['embedded', 'localstack', 'aws'])('accepts %s', (name) => {
    // Act
    const parsed = parseTargetName(name);
    // Assess
    expect(parsed).toBe(name);
  });

  it('defaults to embedded', () => {
    // Act
    const parsed = parseTargetName(undefined);
    // Assess
    expect(parsed).toBe('embedded');
  });

  it('names the choices when the target is unknown', () => {
    // Act
    const parse = () => parseTargetName('prod');
    // Assess
    expect(parse).toThrow('unknown target "prod": use one of embedded, localstack, aws');
  });
});

describe('resolveTarget', () => {
  it('points localstack at localhost:4566 with static credentials, overridable', async () => {
    // Act
    const fallback = await resolveTarget('localstack', { env: {} });
    const overridden = await resolveTarget('localstack', { env: { LOCALSTACK_ENDPOINT: 'http://localstack:4566' } });
    // Assess
    expect(fallback).toMatchObject({ endpoint: 'http://localhost:4566', credentials: { accessKeyId: 'test' }, region: 'us-east-1' });
    expect(overridden.endpoint).toBe('http://localstack:4566');
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

  it('keeps the known gaps of each target with its capabilities', () => {
    // Assess
    expect(capabilitiesOf.localstack.notEmulated).toEqual(['publicAccessBlock', 'ownershipControls', 'lifecycle', 'bucketEncryption', 'acl']);
    expect(capabilitiesOf.embedded).toMatchObject({ iamEnforced: false, cloudTrail: false, notEmulated: [] });
    expect(capabilitiesOf.aws).toMatchObject({ iamEnforced: true, cloudTrail: true });
  });
});

describe('LocalStack modes', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
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

describe('assertRealAws', () => {
  it.each([
    [{ AWS_ENDPOINT_URL: 'http://localhost:4566' }, /AWS_ENDPOINT_URL is set/],
    [{ AWS_ENDPOINT_URL_S3: 'http://localhost:4599' }, /AWS_ENDPOINT_URL_S3 is set/],
    [{ AWS_ACCESS_KEY_ID: 'test' }, /emulator credentials AWS_ACCESS_KEY_ID=test/],
    [{ AWS_ACCESS_KEY_ID: 'testing' }, /emulator credentials/],
  ])('refuses %j', (env, message) => {
    // Act
    const check = () => assertRealAws(env);
    // Assess
    expect(check).toThrow(message);
  });

  it('accepts a real credential set-up', () => {
    // Act
    const check = () => assertRealAws({ AWS_PROFILE: 'prod', AWS_ENDPOINT_URL: '' });
    // Assess
    expect(check).not.toThrow();
  });
});
