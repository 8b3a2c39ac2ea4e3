import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { clientsFor } from '../../scripts/lib/clients.js';
import { remindersAfterDeploy } from '../../scripts/lib/deploy-reminders.js';
import type { Deployment } from '../../scripts/lib/deployment.js';
import type { StackOutputs } from '../../scripts/lib/outputs.js';
import { capabilitiesOf, embeddedTarget, TargetName, type Target } from '../../scripts/lib/targets.js';

const aws: Target = { name: TargetName.aws, description: 'AWS', region: 'eu-central-1', capabilities: capabilitiesOf.aws, parameterFile: 'cloudformation/parameters/aws.json' };
const embedded = embeddedTarget('http://127.0.0.1:9');
const TOPIC = 'arn:aws:sns:eu-central-1:123456789012:backup-kit-receipts';
const FIRST_UPLOAD =
  'reminder: wait 15 minutes before the first upload: S3 may answer 404 for files written in the 15 minutes after a bucket is first versioned, and the function would log such a file source_missing (`make reconcile FIX=1 TARGET=aws` then backs it up)';
const sns = mockClient(SNSClient);
const deployed = (action: Deployment['action']) => ({ action, outputs: { ReceiptTopicArn: TOPIC } as StackOutputs, parameters: { NotificationEmail: '' }, clients: clientsFor(embedded) });

beforeEach(() => {
  sns.reset();
  sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [{ Protocol: 'email', Endpoint: 'owner@example.com', SubscriptionArn: `${TOPIC}:1` }] });
});

describe('what a deploy reminds the owner of', () => {
  it('asks for 15 minutes before the first upload after a stack is created on AWS, where versioning is new', async () => {
    // Act
    const created = await remindersAfterDeploy(aws, deployed('created'));
    // Assess
    expect(created).toEqual([FIRST_UPLOAD]);
  });

  it('says nothing after an update on AWS of a topic someone hears, or after any deploy to an emulator, whose reads are never stale', async () => {
    // Act
    const reminders = [await remindersAfterDeploy(aws, deployed('updated')), await remindersAfterDeploy(aws, deployed('unchanged')), await remindersAfterDeploy(embedded, deployed('created'))];
    // Assess
    expect(reminders).toEqual([[], [], []]);
  });

  it('says, after every deploy to AWS, when nobody subscribes to the receipts topic: receipts and the parked-events alarm reach no one', async () => {
    // Prepare: NotificationEmail left empty, as aws.json ships
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
    // Act
    const reminders = await remindersAfterDeploy(aws, deployed('unchanged'));
    // Assess
    expect(reminders).toEqual([
      `reminder: nobody subscribes to the receipts topic ${TOPIC}: receipts, and the alarm that says a failed backup's event was parked, reach no one: set NotificationEmail in cloudformation/parameters/aws.json and run \`make deploy-aws\` again, or subscribe to the topic yourself`,
    ]);
  });

  it('leaves a stack with an address to the drift check, which looks at its subscription', async () => {
    // Prepare: the address's subscription deleted by SNS (left unconfirmed), which the drift check warns of with its command
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
    // Act
    const reminders = await remindersAfterDeploy(aws, { ...deployed('unchanged'), parameters: { NotificationEmail: 'owner@example.com' } });
    // Assess
    expect(reminders).toEqual([]);
    expect(sns.commandCalls(ListSubscriptionsByTopicCommand)).toHaveLength(0);
  });

  it('says it could not tell who subscribes, and what follows if nobody does, rather than failing a deploy that is done', async () => {
    // Prepare
    sns.on(ListSubscriptionsByTopicCommand).rejects(Object.assign(new Error('not allowed'), { name: 'AuthorizationErrorException' }));
    // Act
    const reminders = await remindersAfterDeploy(aws, deployed('updated'));
    // Assess
    expect(reminders).toEqual([
      `reminder: who subscribes to the receipts topic ${TOPIC} could not be read (AuthorizationErrorException: not allowed); if nobody does, receipts and the alarm for parked events reach no one: set NotificationEmail in cloudformation/parameters/aws.json and run \`make deploy-aws\` again, or subscribe to the topic yourself`,
    ]);
  });
});
