import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient } from '@aws-sdk/client-iam';
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
  readonly cloudTrail: CloudTrailClient;
  /** Read only: the parked-events alarm, for the drift check. */
  readonly cloudWatch: CloudWatchClient;
  /** Read only: the function role's policies, for the drift check. */
  readonly iam: IAMClient;
  readonly lambda: LambdaClient;
  readonly logs: CloudWatchLogsClient;
  readonly sts: STSClient;
};

/**
 * How long a script's request waits for the target's next byte unless told otherwise: longer than anything the
 * kit asks the services to keep silent (an SQS long poll, 20 s; S3 keeps a long CompleteMultipartUpload alive with
 * spaces, and answers a long CopyObject with its 200 before the copy ends, by its documentation: not observed here),
 * short enough that a target that went silent ends the script instead of holding it forever.
 */
const DEFAULT_ANSWER_WITHIN_MS = 60_000;

export type ClientOptions = {
  /** Appended to the clients' user agent, so that a target's request log can tell them apart. */
  readonly userAgent?: string;
  /**
   * How long a request may wait for the target's next byte (each of the SDK's attempts) before it fails with a
   * TimeoutError (DEFAULT_ANSWER_WITHIN_MS unless given); a synchronous Invoke waits as long as a function may run
   * (invoke.ts sets its own limit).
   * Without a limit, a target that takes connections and answers nothing (a stopped emulator) keeps a request
   * waiting forever.
   */
  readonly answerWithinMs?: number;
};

/** SDK clients for a target: endpoint, credentials, region and path style decided once, here. */
export function clientsFor(target: Target, options: ClientOptions = {}): Clients {
  // The lock file keeps the SDK on releases that run on Node 20; its notice about Node 22 is known (make hides it too),
  // and a script run by hand, as the README shows, printed it before its own output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const common = {
    region: target.region,
    ...(options.userAgent ? { customUserAgent: options.userAgent } : {}),
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.credentials ? { credentials: target.credentials } : {}),
  };
  const within = (requestTimeout: number) => ({ requestHandler: { connectionTimeout: Math.min(requestTimeout, 3_000), requestTimeout, throwOnRequestTimeout: true } });
  const answering = { ...common, ...within(options.answerWithinMs ?? DEFAULT_ANSWER_WITHIN_MS) };
  const clients: Clients = {
    // Emulators on host:port cannot serve virtual-hosted bucket names.
    s3: new S3Client({ ...answering, forcePathStyle: target.endpoint !== undefined }),
    sns: new SNSClient(answering),
    sqs: new SQSClient(answering),
    cloudFormation: new CloudFormationClient(answering),
    cloudTrail: new CloudTrailClient(answering),
    cloudWatch: new CloudWatchClient(answering),
    iam: new IAMClient(answering),
    lambda: new LambdaClient(answering),
    logs: new CloudWatchLogsClient(answering),
    sts: new STSClient(answering),
  };
  // Environment variables cannot tell where a shared-config profile sends requests: the clients check themselves.
  if (target.name === 'aws') guardRealAws(clients);
  return clients;
}
