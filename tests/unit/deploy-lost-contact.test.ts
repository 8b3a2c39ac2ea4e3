import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { GetBucketEncryptionCommand, GetPublicAccessBlockCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { builtArtefact, describeArtefact } from '../../scripts/lib/artefact.js';
import { stoppedAnswering } from '../../scripts/lib/cli.js';
import { deploy, DeploymentFailed } from '../../scripts/lib/deployment.js';
import { resolveTarget, TargetName, type Target } from '../../scripts/lib/targets.js';
import { kitOutputs } from './support/kit-stack.js';

// The zip in dist/ is not this test's concern: the deploy gets one as if `make build` and `make matrix` had made and tested it.
vi.mock('../../scripts/lib/artefact.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../scripts/lib/artefact.js')>();
  return { ...original, builtArtefact: vi.fn(original.builtArtefact) };
});
vi.mock('../../scripts/lib/tested-artefact.js', () => ({ localMatrixProof: vi.fn(async () => 'reports/matrix-embedded.json: every case ran on this artefact') }));

const cloudFormation = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const sts = mockClient(STSClient);
let aws: Target;

beforeAll(async () => {
  // No request leaves: every client is mocked, and the aws target is resolved from an environment of its own.
  aws = await resolveTarget(TargetName.aws, { env: { AWS_REGION: 'eu-central-1' } });
});

afterEach(() => {
  for (const client of [cloudFormation, s3, sts]) client.reset();
});

describe('a deploy to AWS that loses contact while CloudFormation updates the stack', () => {
  it.each([
    Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    Object.assign(new Error('socket hang up after 60000 ms'), { name: 'TimeoutError' }),
  ])('says that the update goes on without it and how to see it end, not to look at an emulator: $message', async (lost) => {
    // Prepare: a kit stack, a change set to execute, then the network gone while its events are followed
    vi.mocked(builtArtefact).mockResolvedValueOnce(describeArtefact(Buffer.from('zip bytes')));
    sts.on(GetCallerIdentityCommand).resolves({ Account: '210987654321', Arn: 'arn:aws:sts::210987654321:assumed-role/admin/me' });
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'backup-kit', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Parameters: [], Outputs: kitOutputs }],
    });
    cloudFormation.on(DescribeStackEventsCommand).resolvesOnce({ StackEvents: [] }).rejects(lost);
    cloudFormation.on(CreateChangeSetCommand).resolves({});
    cloudFormation.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', Changes: [] });
    cloudFormation.on(ExecuteChangeSetCommand).resolves({});
    s3.on(HeadBucketCommand).resolves({});
    s3.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } });
    s3.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } });
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('NotFound'), { name: 'NotFound' }));
    s3.on(PutObjectCommand).resolves({});
    // Act
    const deployed = deploy(aws, { log: () => undefined });
    // Assess
    const error = await deployed.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DeploymentFailed);
    expect((error as Error).message).toBe(
      `lost contact with AWS while deploying stack backup-kit (${lost.message}): what CloudFormation had begun goes on there without this deploy. ` +
        'See where the stack stands with `aws cloudformation describe-stacks --stack-name backup-kit --region eu-central-1` (or the CloudFormation console); once it no longer ends in _IN_PROGRESS, run `make deploy-aws` again: it proves the artefact and checks the drift',
    );
    expect(stoppedAnswering(error)).toBeUndefined();
  });
});
