import { GetBucketNotificationConfigurationCommand, S3Client, type NotificationConfiguration } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handoverProblem, inboxHandover, leavesUploadsOut } from '../../scripts/lib/inbox-handover.js';

const s3 = mockClient(S3Client);
const INBOX = 'kit-inbox';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:kit-backup';
const ENDPOINT = 'http://127.0.0.1:4566';

beforeEach(() => {
  s3.reset();
});

describe("the inbox's hand-over of uploads to the function, as reconcile checks it", () => {
  it('is whole with the template notification, and with the four kinds of new object named one by one across configurations', async () => {
    // Prepare
    const client = s3 as unknown as S3Client;
    s3.on(GetBucketNotificationConfigurationCommand)
      .resolvesOnce({ LambdaFunctionConfigurations: [{ LambdaFunctionArn: FUNCTION_ARN, Events: ['s3:ObjectCreated:*'] }] })
      .resolvesOnce({
        LambdaFunctionConfigurations: [
          { LambdaFunctionArn: FUNCTION_ARN, Events: ['s3:ObjectCreated:Put', 's3:ObjectCreated:Post'] },
          { LambdaFunctionArn: FUNCTION_ARN, Events: ['s3:ObjectCreated:Copy', 's3:ObjectCreated:CompleteMultipartUpload'] },
        ],
      });
    // Act
    const template = await inboxHandover(client, INBOX, FUNCTION_ARN);
    const oneByOne = await inboxHandover(client, INBOX, FUNCTION_ARN);
    // Assess
    expect(template).toEqual({ handsOnEvery: true });
    expect(oneByOne).toEqual({ handsOnEvery: true });
    expect(handoverProblem(template, INBOX, FUNCTION_ARN, ENDPOINT)).toBeUndefined();
  });

  it.each<[string, NotificationConfiguration, string]>([
    ['no notification at all', {}, 'none'],
    ['another function only', { LambdaFunctionConfigurations: [{ LambdaFunctionArn: `${FUNCTION_ARN}-other`, Events: ['s3:ObjectCreated:*'] }] }, `s3:ObjectCreated:* -> ${FUNCTION_ARN}-other`],
    ['a key filter', { LambdaFunctionConfigurations: [{ LambdaFunctionArn: FUNCTION_ARN, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.jpg' }] } } }] }, `s3:ObjectCreated:* -> ${FUNCTION_ARN} where suffix=.jpg`],
    ['uploads in parts left out', { LambdaFunctionConfigurations: [{ LambdaFunctionArn: FUNCTION_ARN, Events: ['s3:ObjectCreated:Put', 's3:ObjectCreated:Post', 's3:ObjectCreated:Copy'] }] }, `s3:ObjectCreated:Put,s3:ObjectCreated:Post,s3:ObjectCreated:Copy -> ${FUNCTION_ARN}`],
  ])('leaves uploads out with %s, saying so with the command that sets the template notification back', async (_case, configuration, live) => {
    // Prepare
    s3.on(GetBucketNotificationConfigurationCommand).resolves(configuration);
    // Act
    const handover = await inboxHandover(s3 as unknown as S3Client, INBOX, FUNCTION_ARN);
    const problem = handoverProblem(handover, INBOX, FUNCTION_ARN, ENDPOINT);
    // Assess
    expect(handover).toEqual({ handsOnEvery: false, live });
    expect(leavesUploadsOut(handover)).toBe(true);
    expect(problem).toBe(
      `the inbox s3://${INBOX} does not hand every new upload to the function (its notification: ${live}; the template's: s3:ObjectCreated:* -> ${FUNCTION_ARN}): ` +
        'an upload it does not hand on gets no backup and no event is parked, and a repair backs up only what the inbox holds now. ' +
        `Set it back (AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 aws s3api put-bucket-notification-configuration --bucket ${INBOX} ` +
        `--notification-configuration '{"LambdaFunctionConfigurations":[{"LambdaFunctionArn":"${FUNCTION_ARN}","Events":["s3:ObjectCreated:*"]}]}' --endpoint-url ${ENDPOINT}; ` +
        'on the emulators `make destroy` and a deploy do it too, the backups kept), then check again',
    );
  });

  it('says it could not tell where the notification cannot be read, which is no failure of its own', async () => {
    // Prepare
    s3.on(GetBucketNotificationConfigurationCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    // Act
    const handover = await inboxHandover(s3 as unknown as S3Client, INBOX, FUNCTION_ARN);
    // Assess
    expect(leavesUploadsOut(handover)).toBe(false);
    expect(handoverProblem(handover, INBOX, FUNCTION_ARN, undefined)).toBe(
      "could not read the inbox's notification (AccessDenied: Access Denied), so whether every upload reaches the function is not known: `make deploy` checks it among its drift checks",
    );
  });
});
