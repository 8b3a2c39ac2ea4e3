import { describe, expect, it } from 'vitest';
import { capabilitiesOf, resolveTarget } from '../../scripts/lib/targets.js';

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
