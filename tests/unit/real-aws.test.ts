import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { assertAwsCredentials, assertAwsEndpoint, assertAwsIdentity, assertRealAwsEnvironment, guardRealAws } from '../../scripts/lib/real-aws.js';

describe('assertRealAwsEnvironment', () => {
  it.each([
    [{ AWS_ENDPOINT_URL: 'http://localhost:4566' }, /AWS_ENDPOINT_URL is set/],
    [{ AWS_ENDPOINT_URL_S3: 'http://localhost:4599' }, /AWS_ENDPOINT_URL_S3 is set/],
    [{ AWS_ACCESS_KEY_ID: 'test' }, /emulator credentials AWS_ACCESS_KEY_ID=test/],
    [{ AWS_ACCESS_KEY_ID: 'testing' }, /emulator credentials/],
    [{ AWS_ACCESS_KEY_ID: 'mock' }, /emulator credentials AWS_ACCESS_KEY_ID=mock/],
    [{ AWS_ACCESS_KEY_ID: 'foobar' }, /emulator credentials AWS_ACCESS_KEY_ID=foobar/],
    [{ AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE' }, /emulator credentials AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE/],
  ])('refuses %j', (env, message) => {
    // Act
    const check = () => assertRealAwsEnvironment(env);
    // Assess
    expect(check).toThrow(message);
  });

  it('accepts a real credential set-up', () => {
    // Act
    const check = () => assertRealAwsEnvironment({ AWS_PROFILE: 'prod', AWS_ENDPOINT_URL: '' });
    // Assess
    expect(check).not.toThrow();
  });

  it('accepts an AWS access key id in the environment', () => {
    // Act
    const check = () => assertRealAwsEnvironment({ AWS_ACCESS_KEY_ID: 'ASIAY34FZKBOKMUTVV7A', AWS_SECRET_ACCESS_KEY: 'x' });
    // Assess
    expect(check).not.toThrow();
  });
});

describe('assertAwsEndpoint', () => {
  it.each([
    'sts.eu-central-1.amazonaws.com',
    'my-bucket.s3.eu-central-1.amazonaws.com',
    'cloudformation.cn-north-1.amazonaws.com.cn',
    's3.dualstack.eu-west-1.api.aws',
  ])('accepts https://%s', (hostname) => {
    // Assess
    expect(() => assertAwsEndpoint({ protocol: 'https:', hostname }, 'STS', {})).not.toThrow();
  });

  it.each([
    [{ protocol: 'http:', hostname: '127.0.0.1', port: 4599 }, 'http://127.0.0.1:4599'],
    [{ protocol: 'http:', hostname: 'localhost', port: 4566 }, 'http://localhost:4566'],
    [{ protocol: 'https:', hostname: 's3.localhost.localstack.cloud', port: 4566 }, 'https://s3.localhost.localstack.cloud:4566'],
    [{ protocol: 'https:', hostname: 'sts.amazonaws.com.example.org' }, 'https://sts.amazonaws.com.example.org'],
    [{ protocol: 'http:', hostname: 'sts.eu-central-1.amazonaws.com' }, 'http://sts.eu-central-1.amazonaws.com'],
  ])('refuses %j, naming where the request would go and the profile', (request, where) => {
    // Act
    const check = () => assertAwsEndpoint(request, 'CloudFormation', { AWS_PROFILE: 'kit' });
    // Assess
    expect(check).toThrow(`the SDK would send CloudFormation requests to ${where}, which is not AWS (an endpoint_url in profile kit of the shared config file`);
  });
});

describe('assertAwsCredentials', () => {
  it('accepts an AWS access key id', () => {
    // Assess
    expect(() => assertAwsCredentials('ASIAY34FZKBOKMUTVV7A', {})).not.toThrow();
  });

  it.each(['test', 'mock', 'AKIAIOSFODNN7EXAMPLE', 'LSIAQAAAAAAAAAAAAAAA', 'XASIAY34FZKBOKMUTVV7A', 'ASIAY34FZKBOKMUTVV7A0'])('refuses %j', (keyId) => {
    // Assess
    expect(() => assertAwsCredentials(keyId, { AWS_PROFILE: 'kit' })).toThrow(`access key id "${keyId}" (from profile kit or the environment): it is an emulator's`);
  });
});

describe('assertAwsIdentity', () => {
  it.each([
    { Account: '123456789012', Arn: 'arn:aws:sts::123456789012:user/moto' },
    { Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root' },
    { Account: '123456789012', Arn: 'arn:aws:iam::123456789012:root' },
    { Account: '210987654321', Arn: 'arn:aws:sts::210987654321:user/moto' },
    { Account: '210987654321', Arn: 'arn:aws:iam::210987654321:user/localstack' },
  ])('refuses the emulator identity %j', (identity) => {
    // Assess
    expect(() => assertAwsIdentity(identity)).toThrow(`the caller identity is ${identity.Arn} in account ${identity.Account}, an emulator's default`);
  });

  it.each([
    'arn:aws:sts::210987654321:assumed-role/admin/me',
    'arn:aws:sts::210987654321:assumed-role/LocalStackMigration/me',
    'arn:aws:iam::210987654321:user/localstack-tester',
  ])('accepts another account, whatever its names hold: %s', (Arn) => {
    // Assess
    expect(() => assertAwsIdentity({ Account: '210987654321', Arn })).not.toThrow();
  });
});

describe('guardRealAws', () => {
  it('stops a request to a configured non-AWS endpoint before it is sent', async () => {
    // Prepare
    const sts = new STSClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'ASIAY34FZKBOKMUTVV7A', secretAccessKey: 'x' } });
    guardRealAws({ sts }, {});
    // Act
    const call = sts.send(new GetCallerIdentityCommand({}));
    // Assess
    await expect(call).rejects.toThrow('the SDK would send STS requests to http://127.0.0.1:9, which is not AWS');
  });

  it('sends a request to an AWS endpoint signed with an AWS key on', async () => {
    // Prepare: the network is a handler that records where each request went
    const sentTo: string[] = [];
    const network = {
      handle: async (request: { protocol: string; hostname: string }) => {
        sentTo.push(`${request.protocol}//${request.hostname}`);
        throw Object.assign(new Error('the request reached the network'), { name: 'Sent' });
      },
    };
    const sts = new STSClient({ region: 'eu-central-1', maxAttempts: 1, requestHandler: network, credentials: { accessKeyId: 'ASIAY34FZKBOKMUTVV7A', secretAccessKey: 'x', sessionToken: 't' } });
    guardRealAws({ sts }, {});
    // Act
    const call = sts.send(new GetCallerIdentityCommand({}));
    // Assess
    await expect(call).rejects.toThrow('the request reached the network');
    expect(sentTo).toEqual(['https://sts.eu-central-1.amazonaws.com']);
  });

  it('stops a request signed with emulator keys before it is sent', async () => {
    // Prepare
    const sts = new STSClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    guardRealAws({ sts }, {});
    // Act
    const call = sts.send(new GetCallerIdentityCommand({}));
    // Assess
    await expect(call).rejects.toThrow('refusing to use target aws with the access key id "test"');
  });
});
