import type { Output } from '@aws-sdk/client-cloudformation';

/** The buckets the template names for the embedded parameter file's NamePrefix (backup-kit) in the emulators' account. */
export const KIT_INBOX = 'backup-kit-inbox-123456789012-us-east-1';
export const KIT_BACKUP = 'backup-kit-backup-123456789012-us-east-1';

/** Every output of a stack of the kit's template, as CloudFormation lists them. */
export const kitOutputs: Output[] = [
  ['InboxBucketName', KIT_INBOX],
  ['BackupBucketName', KIT_BACKUP],
  ['ReceiptTopicArn', 'arn:aws:sns:us-east-1:123456789012:backup-kit-receipts'],
  ['BackupFunctionName', 'backup-kit-backup'],
  ['BackupFunctionArn', 'arn:aws:lambda:us-east-1:123456789012:function:backup-kit-backup'],
  ['FailedEventsQueueUrl', 'https://sqs.us-east-1.amazonaws.com/123456789012/backup-kit-failed-events'],
  ['FailedEventsQueueArn', 'arn:aws:sqs:us-east-1:123456789012:backup-kit-failed-events'],
  ['LogGroupName', '/aws/lambda/backup-kit-backup'],
].map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }));

/** The template of someone else's stack that carries the kit's name: it declares none of the kit's outputs. */
export const OTHERS_TEMPLATE = [
  'Resources:',
  '  OrdersQueue:',
  '    Type: AWS::SQS::Queue',
  'Outputs:',
  '  OrdersQueueUrl:',
  '    Value: !Ref OrdersQueue',
].join('\n');
