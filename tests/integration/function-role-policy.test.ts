import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { InvokeCommand, PutFunctionEventInvokeConfigCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetBucketAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { waitForBackupOf } from '../../scripts/lib/observe.js';
import { waitFor } from '../../scripts/lib/wait.js';
import { createTestFunction, useEmbeddedStack } from './support/embedded.js';

type Statement = {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string>>;
};

/** A function that answers its own session credentials: the test then makes requests as the function does. */
const credentialsFunction = `exports.handler = async () => ({
  accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY, sessionToken: process.env.AWS_SESSION_TOKEN });`;

const refusalOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'allowed',
    (error: Error & { $metadata?: { httpStatusCode?: number } }) => `${error.$metadata?.httpStatusCode} ${error.name}: ${error.message}`,
  );

describe("the embedded emulator checks a function's requests against its execution role", () => {
  // Copies from 5 MiB on go in parts, so that both of the function's copy paths run here.
  const stack = useEmbeddedStack({ namePrefix: 'kit-iam-it', parameters: { MultipartThresholdBytes: '5242880', MultipartPartSizeBytes: '5242880' } });
  let functions = 0;

  let iam: IAMClient | undefined;
  /** The owner's clients: the deployment's S3 client, and an IAM client for the same emulator. */
  function adminClients() {
    const { target, deployment } = stack();
    iam ??= new IAMClient({ region: target.region, endpoint: target.endpoint!, credentials: target.credentials! });
    return { iam, s3: deployment.clients.s3 };
  }

  /** A role with these statements (inline), a function with that role, and clients signed as the function. */
  async function actingAs(statements: Statement[], boundary?: Statement[]) {
    const { iam } = adminClients();
    const { target, deployment } = stack();
    functions += 1;
    const name = `kit-iam-fn-${functions}`;
    const document = (list: Statement[]) => JSON.stringify({ Version: '2012-10-17', Statement: list });
    const boundaryArn = boundary && (await iam.send(new CreatePolicyCommand({ PolicyName: `${name}-boundary`, PolicyDocument: document(boundary) }))).Policy!.Arn!;
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: name,
        ...(boundaryArn ? { PermissionsBoundary: boundaryArn } : {}),
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    const putPolicy = (more: Statement[]) =>
      iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'inline', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: more }) }));
    if (statements.length > 0) await putPolicy(statements);
    await createTestFunction(stack(), name, { 'index.js': credentialsFunction }, { role: Role!.Arn! });
    const { Payload } = await deployment.clients.lambda.send(new InvokeCommand({ FunctionName: name }));
    const credentials = JSON.parse(Buffer.from(Payload!).toString()) as { accessKeyId: string; secretAccessKey: string; sessionToken: string };
    const common = { region: target.region, endpoint: target.endpoint!, credentials };
    return { roleName: name, roleArn: Role!.Arn!, putPolicy, s3: new S3Client({ ...common, forcePathStyle: true }), sns: new SNSClient(common) };
  }

  const inbox = () => stack().deployment.outputs.InboxBucketName;
  const backup = () => stack().deployment.outputs.BackupBucketName;

  it('allows what the role allows and refuses the rest, naming the action, the resource and the role as AWS does', async () => {
    // Prepare
    await adminClients().s3.send(new PutObjectCommand({ Bucket: inbox(), Key: 'open/a.txt', Body: 'a' }));
    await adminClients().s3.send(new PutObjectCommand({ Bucket: inbox(), Key: 'closed/b.txt', Body: 'b' }));
    const fn = await actingAs([{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${inbox()}/open/*` }]);
    // Act
    const open = await refusalOf(fn.s3.send(new GetObjectCommand({ Bucket: inbox(), Key: 'open/a.txt' })));
    const closed = await refusalOf(fn.s3.send(new GetObjectCommand({ Bucket: inbox(), Key: 'closed/b.txt' })));
    const published = await refusalOf(fn.sns.send(new PublishCommand({ TopicArn: stack().deployment.outputs.ReceiptTopicArn, Message: 'hi' })));
    // Assess
    expect(open).toBe('allowed');
    expect(closed).toBe(
      `403 AccessDenied: User: arn:aws:sts::123456789012:assumed-role/${fn.roleName}/${fn.roleName} is not authorized to perform: s3:GetObject ` +
        `on resource: "arn:aws:s3:::${inbox()}/closed/b.txt" because no identity-based policy allows the s3:GetObject action`,
    );
    expect(published).toMatch(/^403 AuthorizationErrorException: .* is not authorized to perform: sns:Publish on resource: "arn:aws:sns:/);
  });

  it('lets an explicit deny win over an allow, and matches ? and * as IAM does', async () => {
    // Prepare
    for (const key of ['secret-01.txt', 'secret-001.txt']) await adminClients().s3.send(new PutObjectCommand({ Bucket: inbox(), Key: key, Body: key }));
    const fn = await actingAs([
      { Effect: 'Allow', Action: 's3:*', Resource: `arn:aws:s3:::${inbox()}/*` },
      { Effect: 'Deny', Action: 's3:Get*', Resource: `arn:aws:s3:::${inbox()}/secret-??.txt` },
    ]);
    // Act
    const twoCharacters = await refusalOf(fn.s3.send(new GetObjectCommand({ Bucket: inbox(), Key: 'secret-01.txt' })));
    const threeCharacters = await refusalOf(fn.s3.send(new GetObjectCommand({ Bucket: inbox(), Key: 'secret-001.txt' })));
    // Assess
    expect(twoCharacters).toMatch(/^403 AccessDenied: .* s3:GetObject on resource: ".*secret-01.txt" with an explicit deny in an identity-based policy$/);
    expect(threeCharacters).toBe('allowed');
  });

  it('reads a stored policy as written: a %2A in a resource is those three characters, not a wildcard', async () => {
    // Prepare: an allow for the key that is literally lit%2Akey, and a deny for the key that is literally 100%25
    const fn = await actingAs([
      { Effect: 'Allow', Action: 's3:PutObject', Resource: [`arn:aws:s3:::${inbox()}/lit%2Akey`, `arn:aws:s3:::${inbox()}/100*`] },
      { Effect: 'Deny', Action: 's3:PutObject', Resource: `arn:aws:s3:::${inbox()}/100%25` },
    ]);
    // Act
    const [literal, widened, denied, decoded] = await Promise.all(
      ['lit%2Akey', 'litXkey', '100%25', '100%'].map((Key) => refusalOf(fn.s3.send(new PutObjectCommand({ Bucket: inbox(), Key, Body: Key })))),
    );
    // Assess
    expect([literal, decoded]).toEqual(['allowed', 'allowed']);
    expect(widened).toMatch(/^403 AccessDenied: .* s3:PutObject on resource: ".*litXkey" because no identity-based policy allows/);
    expect(denied).toMatch(/^403 AccessDenied: .* s3:PutObject on resource: ".*100%25" with an explicit deny in an identity-based policy$/);
  });

  it('answers a read of a missing key with 404 where the role may list the bucket, and with 403 where it may not', async () => {
    // Prepare
    const read = { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${inbox()}/*` } as const;
    const lister = await actingAs([read, { Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${inbox()}` }]);
    const reader = await actingAs([read]);
    // Act
    const listed = await refusalOf(lister.s3.send(new HeadObjectCommand({ Bucket: inbox(), Key: 'never-written.txt' })));
    const unlisted = await refusalOf(reader.s3.send(new GetObjectCommand({ Bucket: inbox(), Key: 'never-written.txt' })));
    // Assess
    expect(listed).toBe('404 NotFound: UnknownError');
    expect(unlisted).toMatch(/^403 AccessDenied: .* s3:ListBucket on resource: "arn:aws:s3:::kit-iam-it-inbox-[^"]+" because no identity-based policy allows/);
  });

  it("needs the source's read for a copy, and the tags' read and write when the source has tags", async () => {
    // Prepare
    const plain = await adminClients().s3.send(new PutObjectCommand({ Bucket: inbox(), Key: 'copy/plain.txt', Body: 'p' }));
    const tagged = await adminClients().s3.send(new PutObjectCommand({ Bucket: inbox(), Key: 'copy/tagged.txt', Body: 't', Tagging: 'owner=me' }));
    const fn = await actingAs([
      { Effect: 'Allow', Action: 's3:GetObjectVersion', Resource: `arn:aws:s3:::${inbox()}/*` },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${backup()}/*` },
    ]);
    const copy = (key: string, versionId: string) =>
      refusalOf(fn.s3.send(new CopyObjectCommand({ Bucket: backup(), Key: key, CopySource: `${inbox()}/${key}?versionId=${versionId}`, AnnotationDirective: 'EXCLUDE' })));
    // Act
    const plainCopy = await copy('copy/plain.txt', plain.VersionId!);
    const taggedCopy = await copy('copy/tagged.txt', tagged.VersionId!);
    const unversioned = await refusalOf(
      fn.s3.send(new CopyObjectCommand({ Bucket: backup(), Key: 'copy/plain.txt', CopySource: `${inbox()}/copy/plain.txt`, AnnotationDirective: 'EXCLUDE' })),
    );
    // Assess
    expect(plainCopy).toBe('allowed');
    expect(taggedCopy).toMatch(/^403 AccessDenied: .* s3:GetObjectVersionTagging on resource: ".*\/copy\/tagged.txt"/);
    expect(unversioned).toMatch(/^403 AccessDenied: .* s3:GetObject on resource: ".*\/copy\/plain.txt"/);
  });

  it("answers an object's tag count only to a role that may read its tags, as S3's HeadObject reference says", async () => {
    // Prepare: a tagged object; one role may read it, another its tags too (the current version's and a version's)
    const put = await adminClients().s3.send(new PutObjectCommand({ Bucket: inbox(), Key: 'count/tagged.txt', Body: 't', Tagging: 'a=1&b=2' }));
    const object = `arn:aws:s3:::${inbox()}/count/*`;
    const reader = await actingAs([{ Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: object }]);
    const tagReader = await actingAs([{ Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'], Resource: object }]);
    const counts = (fn: { s3: S3Client }) =>
      Promise.all([
        fn.s3.send(new HeadObjectCommand({ Bucket: inbox(), Key: 'count/tagged.txt' })),
        fn.s3.send(new HeadObjectCommand({ Bucket: inbox(), Key: 'count/tagged.txt', VersionId: put.VersionId })),
        fn.s3.send(new GetObjectCommand({ Bucket: inbox(), Key: 'count/tagged.txt' })),
      ]).then((answers) => answers.map((answer) => answer.TagCount));
    // Act
    const withoutTagRead = await counts(reader);
    const withTagRead = await counts(tagReader);
    // Assess
    expect(withoutTagRead).toEqual([undefined, undefined, undefined]);
    expect(withTagRead).toEqual([2, 2, 2]);
  });

  it("needs the annotations' read on the source and write on the copy unless the copy excludes them, as S3's CopyObject reference says", async () => {
    // Prepare
    const source = await adminClients().s3.send(new PutObjectCommand({ Bucket: inbox(), Key: 'annotated/a.txt', Body: 'a' }));
    const copying = [
      { Effect: 'Allow', Action: 's3:GetObjectVersion', Resource: `arn:aws:s3:::${inbox()}/*` },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${backup()}/*` },
    ] as const;
    const copier = await actingAs([...copying]);
    const annotationReader = await actingAs([...copying, { Effect: 'Allow', Action: 's3:GetObjectAnnotation', Resource: `arn:aws:s3:::${inbox()}/*` }]);
    const copy = (fn: { s3: S3Client }, directive?: 'COPY' | 'EXCLUDE') =>
      refusalOf(
        fn.s3.send(
          new CopyObjectCommand({ Bucket: backup(), Key: 'annotated/a.txt', CopySource: `${inbox()}/annotated/a.txt?versionId=${source.VersionId}`, AnnotationDirective: directive }),
        ),
      );
    // Act
    const byDefault = await copy(copier);
    const asked = await copy(copier, 'COPY');
    const readOnly = await copy(annotationReader);
    const excluded = await copy(copier, 'EXCLUDE');
    // Assess
    expect(byDefault).toMatch(/^403 AccessDenied: .* s3:GetObjectAnnotation on resource: ".*-inbox-[^/]+\/annotated\/a.txt"/);
    expect(asked).toMatch(/^403 AccessDenied: .* s3:GetObjectAnnotation on resource: /);
    expect(readOnly).toMatch(/^403 AccessDenied: .* s3:PutObjectAnnotation on resource: ".*-backup-[^/]+\/annotated\/a.txt"/);
    expect(excluded).toBe('allowed');
  });

  it("applies a change of the role's policies, inline or attached, to the function's next request", async () => {
    // Prepare
    const fn = await actingAs([]);
    const topic = stack().deployment.outputs.ReceiptTopicArn;
    const publish = () => refusalOf(fn.sns.send(new PublishCommand({ TopicArn: topic, Message: 'hi' })));
    const before = await publish();
    // Act
    await fn.putPolicy([{ Effect: 'Allow', Action: 'sns:Publish', Resource: topic }]);
    const withInline = await publish();
    await fn.putPolicy([{ Effect: 'Allow', NotAction: 'sns:Publish', Resource: '*' }]);
    const withNotAction = await publish();
    const { iam } = adminClients();
    const { Policy } = await iam.send(
      new CreatePolicyCommand({ PolicyName: 'kit-iam-publish', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sns:*', Resource: '*' }] }) }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: fn.roleName, PolicyArn: Policy!.Arn! }));
    const withManaged = await publish();
    // Assess
    expect(before).toMatch(/^403 AuthorizationErrorException/);
    expect(withInline).toBe('allowed');
    expect(withNotAction).toMatch(/^403 AuthorizationErrorException/);
    expect(withManaged).toBe('allowed');
  });

  it('refuses an operation whose permissions it does not know, naming it, and leaves everyone else unchecked', async () => {
    // Prepare
    const fn = await actingAs([{ Effect: 'Allow', Action: '*', Resource: '*' }]);
    // Act
    const byFunction = await refusalOf(fn.s3.send(new GetBucketAclCommand({ Bucket: inbox() })));
    const byOwner = await refusalOf(adminClients().s3.send(new GetBucketAclCommand({ Bucket: inbox() })));
    // Assess
    expect(byFunction).toMatch(/^403 AccessDenied: .* s3:GET bucket\?acl: the embedded emulator does not know which IAM actions this operation needs/);
    expect(byOwner).toBe('allowed');
  });

  it('refuses an on-failure destination the role may not send to, and drops a failed event whose role lost that right since', async () => {
    // Prepare: two failing functions parking in the same queue; one role may send there, the other may not
    const { lambda, sqs } = stack().deployment.clients;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'kit-iam-parked' }));
    const queueArn = `arn:aws:sqs:${stack().target.region}:123456789012:kit-iam-parked`;
    const sendToQueue: Statement = { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn };
    const kept = await actingAs([sendToQueue]);
    const lost = await actingAs([sendToQueue]);
    const never = await actingAs([]);
    const failing = 'exports.handler = async () => { throw new Error("always fails"); };';
    const configure = async (fn: { roleName: string; roleArn: string }) => {
      await createTestFunction(stack(), `${fn.roleName}-failing`, { 'index.js': failing }, { role: fn.roleArn });
      return refusalOf(
        lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: `${fn.roleName}-failing`, MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: queueArn } } })),
      );
    };
    // Act
    const configured = [await configure(kept), await configure(lost), await configure(never)];
    await lost.putPolicy([{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }]);
    for (const fn of [lost, kept]) await lambda.send(new InvokeCommand({ FunctionName: `${fn.roleName}-failing`, InvocationType: 'Event', Payload: '{}' }));
    const log = await waitFor('both events to be parked or dropped', async () => {
      const text = await stack().emulator.log();
      return /event sent to .*kit-iam-parked/.test(text) && /dropped/.test(text) ? text : undefined;
    }, { timeoutMs: 20_000, intervalMs: 100 });
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    // Assess
    expect(configured).toEqual([
      'allowed',
      'allowed',
      `400 InvalidParameterValueException: The function's execution role does not have permissions to call SendMessage on ${queueArn}`,
    ]);
    expect(log).toContain(`[lambda-async] ${kept.roleName}-failing: event sent to ${queueArn} after 1 attempts`);
    expect(log).toMatch(new RegExp(`${lost.roleName}-failing: event \\S+ dropped after 1 attempts: its execution role may not send it to the on-failure destination ${queueArn}: .* sqs:SendMessage`));
    expect(Attributes?.ApproximateNumberOfMessages).toBe('1');
  });

  it.each([
    ['a copy', 1024],
    ['a multipart copy', 6 * 1024 * 1024],
  ])("lets the deployed function carry a tagged upload's tags and metadata to its backup by %s, with the template's role", async (_, size) => {
    // Prepare
    const { s3 } = adminClients();
    const key = `tagged/${size}.bin`;
    // Act
    const { VersionId } = await s3.send(
      new PutObjectCommand({ Bucket: inbox(), Key: key, Body: Buffer.alloc(size, 1), Tagging: 'owner=me&kind=scan', Metadata: { origin: 'scanner' } }),
    );
    const copied = await waitForBackupOf(s3, backup(), key, VersionId!, 20_000);
    const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: backup(), Key: key, VersionId: copied.VersionId }));
    // Assess
    expect(copied.Metadata?.origin).toBe('scanner');
    expect(TagSet?.map((tag) => `${tag.Key}=${tag.Value}`).sort()).toEqual(['kind=scan', 'owner=me']);
  });

  it('judges a request by what it does and by the key as S3 reads it, not by the name or encoding it arrives with', async () => {
    // Prepare
    await adminClients().s3.send(new PutObjectCommand({ Bucket: inbox(), Key: '%70ublic/secret.txt', Body: 'secret' }));
    await adminClients().s3.send(new PutObjectCommand({ Bucket: inbox(), Key: 'public/readable.txt', Body: 'readable' }));
    await adminClients().s3.send(new PutObjectCommand({ Bucket: inbox(), Key: 'top-secret.txt', Body: 'secret' }));
    const fn = await actingAs([
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging'], Resource: `arn:aws:s3:::${inbox()}/public/*` },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${inbox()}/named/*` },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${inbox()}` },
    ]);
    const namedGetObject = new PutObjectCommand({ Bucket: inbox(), Key: 'named/upload.txt', Body: 'x' });
    namedGetObject.middlewareStack.add((next) => async (args) => {
      (args.request as { query: Record<string, string> }).query['x-id'] = 'GetObject';
      return next(args);
    }, { step: 'build' });
    // Act
    const encodedKey = await refusalOf(fn.s3.send(new GetObjectCommand({ Bucket: inbox(), Key: '%70ublic/secret.txt' })));
    const renamed = await refusalOf(fn.s3.send(namedGetObject));
    const withAcl = await refusalOf(fn.s3.send(new PutObjectCommand({ Bucket: inbox(), Key: 'public/shared.txt', Body: 'x', ACL: 'public-read' })));
    const bucketTags = await refusalOf(fn.s3.send(new PutBucketTaggingCommand({ Bucket: inbox(), Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] } })));
    const { accessKeyId } = await fn.s3.config.credentials();
    const virtualHosted = await new Promise<number>((resolve, reject) => {
      // A virtual-hosted read of a top-level key ("<bucket>.localhost"): the path alone names no bucket.
      const { port } = new URL(stack().target.endpoint!);
      request({ host: '127.0.0.1', port, path: '/top-secret.txt', headers: {
        Host: `${inbox()}.localhost:${port}`,
        Authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20261129/${stack().target.region}/s3/aws4_request, SignedHeaders=host, Signature=0`,
      } }, (response) => resolve(response.resume().statusCode ?? 0)).on('error', reject).end();
    });
    const withResponseHeader = await refusalOf(fn.s3.send(new GetObjectCommand({ Bucket: inbox(), Key: 'public/readable.txt', ResponseContentType: 'text/plain' })));
    // Assess
    expect(virtualHosted).toBe(403);
    expect(withResponseHeader).toBe('allowed');
    expect(encodedKey).toMatch(/^403 AccessDenied: .* s3:GetObject on resource: ".*\/%70ublic\/secret.txt" because no identity-based policy allows/);
    expect(renamed).toMatch(/^403 AccessDenied: .* s3:PutObject on resource: ".*\/named\/upload.txt"/);
    expect(withAcl).toMatch(/^403 AccessDenied: .* s3:PutObjectAcl on resource: ".*\/public\/shared.txt"/);
    expect(bucketTags).toMatch(/^403 AccessDenied: .* s3:PUT bucket\?tagging: the embedded emulator does not know which IAM actions/);
  });

  it("refuses the function's requests signed with Signature Version 2, and reads ARN wildcards and policy variables as strictly as IAM", async () => {
    // Prepare
    const topic = stack().deployment.outputs.ReceiptTopicArn;
    const fn = await actingAs([
      { Effect: 'Allow', Action: 's3:*', Resource: `arn:aws:s3:::${inbox()}/*` },
      { Effect: 'Deny', Action: 's3:GetObject', Resource: `arn:aws:s3:::${inbox()}/\${aws:username}/*` },
      // A * inside a segment does not reach across the colons before the topic's name.
      { Effect: 'Allow', Action: 'sns:Publish', Resource: `${topic.split(':').slice(0, 4).join(':')}:*${topic.split(':')[5]}` },
    ]);
    const { accessKeyId } = await fn.s3.config.credentials();
    await adminClients().s3.send(new PutObjectCommand({ Bucket: inbox(), Key: 'someone/file.txt', Body: 'x' }));
    // Act
    const signedV2 = await fetch(`${stack().target.endpoint}/${inbox()}/someone/file.txt`, {
      headers: { Authorization: `AWS ${accessKeyId}:c2lnbmF0dXJl`, Date: new Date().toUTCString() },
    });
    const underVariable = await refusalOf(fn.s3.send(new GetObjectCommand({ Bucket: inbox(), Key: 'someone/file.txt' })));
    const acrossColons = await refusalOf(fn.sns.send(new PublishCommand({ TopicArn: topic, Message: 'hi' })));
    // Assess
    expect(signedV2.status).toBe(403);
    expect(await signedV2.text()).toContain('signed this request with Signature Version 2');
    expect(underVariable).toMatch(/^403 AccessDenied: .* s3:GetObject .* with an explicit deny/);
    expect(acrossColons).toMatch(/^403 AuthorizationErrorException: .* sns:Publish/);
  });

  it('reads NotAction and NotResource as IAM does, policy variables in them too, and judges a presigned URL as its signer', async () => {
    // Prepare
    for (const key of ['public/a.txt', 'private/b.txt', 'home/c.txt']) await adminClients().s3.send(new PutObjectCommand({ Bucket: inbox(), Key: key, Body: key }));
    const fn = await actingAs([
      // Every action on the inbox's keys but deleting them
      { Effect: 'Allow', NotAction: 's3:DeleteObject', Resource: `arn:aws:s3:::${inbox()}/*` },
      // Reads of anything outside public/ denied
      { Effect: 'Deny', Action: 's3:GetObject', NotResource: [`arn:aws:s3:::${inbox()}/public/*`, `arn:aws:s3:::${inbox()}/\${aws:username}/*`] },
      { Effect: 'Deny', Action: 's3:PutObjectAcl', Resource: `arn:aws:s3:::${inbox()}/*` },
    ]);
    const presigned = (key: string) => getSignedUrl(fn.s3, new GetObjectCommand({ Bucket: inbox(), Key: key }), { expiresIn: 60 });
    // The presigner moves x-amz-* headers into the URL's query, where S3 reads them as headers.
    const presignedPut = (key: string, acl?: 'public-read') =>
      getSignedUrl(fn.s3, new PutObjectCommand({ Bucket: inbox(), Key: key, ...(acl ? { ACL: acl } : {}) }), { expiresIn: 60 });
    // Act
    const open = await refusalOf(fn.s3.send(new GetObjectCommand({ Bucket: inbox(), Key: 'public/a.txt' })));
    const closed = await refusalOf(fn.s3.send(new GetObjectCommand({ Bucket: inbox(), Key: 'private/b.txt' })));
    // A Deny's NotResource with a variable excludes the least: home/ is not taken for the function's own folder.
    const underVariable = await refusalOf(fn.s3.send(new GetObjectCommand({ Bucket: inbox(), Key: 'home/c.txt' })));
    const deleted = await refusalOf(fn.s3.send(new DeleteObjectCommand({ Bucket: inbox(), Key: 'public/a.txt' })));
    const presignedOpen = await fetch(await presigned('public/a.txt'));
    const presignedClosed = await fetch(await presigned('private/b.txt'));
    const putPlain = await fetch(await presignedPut('public/new.txt'), { method: 'PUT', body: 'new' });
    const putWithAcl = await fetch(await presignedPut('public/shared.txt', 'public-read'), { method: 'PUT', body: 'shared' });
    // Assess
    expect(open).toBe('allowed');
    expect(closed).toMatch(/^403 AccessDenied: .* s3:GetObject on resource: ".*\/private\/b.txt" with an explicit deny in an identity-based policy$/);
    expect(underVariable).toMatch(/^403 AccessDenied: .* s3:GetObject on resource: ".*\/home\/c.txt" with an explicit deny/);
    expect(deleted).toMatch(/^403 AccessDenied: .* s3:DeleteObject on resource: ".*\/public\/a.txt" because no identity-based policy allows the s3:DeleteObject action$/);
    expect([presignedOpen.status, await presignedOpen.text()]).toEqual([200, 'public/a.txt']);
    expect(presignedClosed.status).toBe(403);
    expect(await presignedClosed.text()).toContain(`s3:GetObject on resource: "arn:aws:s3:::${inbox()}/private/b.txt" with an explicit deny`);
    expect(new URL(await presignedPut('public/shared.txt', 'public-read')).searchParams.get('x-amz-acl')).toBe('public-read');
    expect(putPlain.status).toBe(200);
    expect(putWithAcl.status).toBe(403);
    expect(await putWithAcl.text()).toContain(`s3:PutObjectAcl on resource: "arn:aws:s3:::${inbox()}/public/shared.txt" with an explicit deny`);
  });

  it("answers the function's GetCallerIdentity with its role's session, as STS answers a Lambda function", async () => {
    // Prepare
    const fn = await actingAs([]);
    const sts = new STSClient({ region: stack().target.region, endpoint: stack().target.endpoint!, credentials: await fn.s3.config.credentials() });
    // Act
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    // Assess
    expect(identity.Arn).toBe(`arn:aws:sts::123456789012:assumed-role/${fn.roleName}/${fn.roleName}`);
    expect(identity.Account).toBe('123456789012');
    expect(identity.UserId).toMatch(new RegExp(`^AROA[A-Z0-9]+:${fn.roleName}$`));
  });

  it('needs the permissions boundary to allow too, and lets no Allow with a Condition allow anything', async () => {
    // Prepare
    for (const key of ['bounded/in.txt', 'unbounded/out.txt']) await adminClients().s3.send(new PutObjectCommand({ Bucket: inbox(), Key: key, Body: key }));
    const bounded = await actingAs([{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${inbox()}/*` }], [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${inbox()}/bounded/*` },
    ]);
    const conditional = await actingAs([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${inbox()}/*`, Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } },
    ]);
    // Act
    const inside = await refusalOf(bounded.s3.send(new GetObjectCommand({ Bucket: inbox(), Key: 'bounded/in.txt' })));
    const outside = await refusalOf(bounded.s3.send(new GetObjectCommand({ Bucket: inbox(), Key: 'unbounded/out.txt' })));
    const underCondition = await refusalOf(conditional.s3.send(new GetObjectCommand({ Bucket: inbox(), Key: 'bounded/in.txt' })));
    // Assess
    expect(inside).toBe('allowed');
    expect(outside).toMatch(/^403 AccessDenied: .* s3:GetObject on resource: ".*\/unbounded\/out.txt" because no permissions boundary allows the s3:GetObject action$/);
    expect(underCondition).toMatch(/^403 AccessDenied: .* because no identity-based policy allows the s3:GetObject action$/);
  });
});
