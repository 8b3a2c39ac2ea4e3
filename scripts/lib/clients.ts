import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { guardRealAws } from './real-aws.js';
import type { Target } from './targets.js';

export type Clients = {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly cloudFormation: CloudFormationClient;
  readonly lambda: LambdaClient;
  readonly logs: CloudWatchLogsClient;
  readonly sts: STSClient;
};

/**
 * SDK clients for a target: endpoint, credentials, region and path style decided once, here.
 * `userAgent` is appended to the clients' user agent, so that a target's request log can tell them apart.
 */
export function clientsFor(target: Target, options: { userAgent?: string } = {}): Clients {
  const common = {
    region: target.region,
    ...(options.userAgent ? { customUserAgent: options.userAgent } : {}),
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.credentials ? { credentials: target.credentials } : {}),
  };
  const clients: Clients = {
    // Emulators on host:port cannot serve virtual-hosted bucket names.
    s3: new S3Client({ ...common, forcePathStyle: target.endpoint !== undefined }),
    sns: new SNSClient(common),
    sqs: new SQSClient(common),
    cloudFormation: new CloudFormationClient(common),
    lambda: new LambdaClient(common),
    logs: new CloudWatchLogsClient(common),
    sts: new STSClient(common),
  };
  // Environment variables cannot tell where a shared-config profile sends requests: the clients check themselves.
  if (target.name === 'aws') guardRealAws(clients);
  return clients;
}
