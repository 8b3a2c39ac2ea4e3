import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deploy } from '../../scripts/lib/deployment.js';
import { LocalStackMode, localstackTarget } from '../../scripts/lib/targets.js';

const clients = [mockClient(CloudFormationClient), mockClient(S3Client), mockClient(STSClient), mockClient(LambdaClient)];

describe('deploy to LocalStack', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    for (const client of clients) client.reset();
  });

  it('refuses a LocalStack started without a service the stack uses before it writes anything', async () => {
    // Prepare
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ services: { cloudformation: 'running', cloudwatch: 'disabled' } }))));
    // Act
    const deployed = deploy(localstackTarget('http://127.0.0.1:4577', LocalStackMode.host), { log: () => undefined });
    // Assess
    await expect(deployed).rejects.toThrow(/^LocalStack at http:\/\/127\.0\.0\.1:4577 runs without s3, lambda, .*cloudwatch, which the kit's stack needs/);
    expect(clients.map((client) => client.calls().length)).toEqual([0, 0, 0, 0]);
  });
});
