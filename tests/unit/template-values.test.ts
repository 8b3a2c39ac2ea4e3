import { describe, expect, it } from 'vitest';
import { resolveValue } from '../../scripts/lib/template-values.js';
import { loadTemplate, parameterDefaults } from '../../scripts/lib/template.js';

describe("a template value in a deployed stack", () => {
  it('reads parameters, pseudo parameters and resources that an output names, and nothing else', async () => {
    // Prepare
    const template = await loadTemplate();
    const names = { parameters: { ...parameterDefaults(template), NamePrefix: 'kit', CopyConcurrency: '4' }, accountId: '123456789012', region: 'eu-west-1', partition: 'aws-cn', outputs: { ReceiptTopicArn: 'arn:aws:sns:eu-west-1:123456789012:kit-receipts' } };
    // Act
    const values = [
      { 'Fn::Sub': '${NamePrefix}-inbox-${AWS::AccountId}-${AWS::Region}' },
      { Ref: 'CopyConcurrency' },
      { Ref: 'MultipartPartSizeBytes' },
      { Ref: 'ReceiptTopic' },
      'INFO',
      { 'Fn::GetAtt': ['BackupFunction', 'Arn'] },
      { Ref: 'FailedEventsQueue' },
      { 'Fn::Sub': '${Unknown}-x' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${NamePrefix}-inbox-${AWS::AccountId}-${AWS::Region}/' },
    ].map((node) => resolveValue(template, node, names));
    // Assess
    expect(values).toEqual(['kit-inbox-123456789012-eu-west-1', '4', '67108864', 'arn:aws:sns:eu-west-1:123456789012:kit-receipts', 'INFO', undefined, undefined, undefined, 'arn:aws-cn:s3:::kit-inbox-123456789012-eu-west-1/']);
  });

  it('reads numbers and true/false as the text the function gets, and leaves what it cannot know, whatever its form', async () => {
    // Prepare
    const template = await loadTemplate();
    const names = { parameters: parameterDefaults(template), accountId: '123456789012', region: 'eu-west-1', partition: 'aws', outputs: {} };
    // Act
    const values = [8, false, null, undefined, { 'Fn::Sub': ['${Queue}-x', { Queue: { Ref: 'FailedEventsQueue' } }] }].map((node) => resolveValue(template, node, names));
    // Assess
    expect(values).toEqual(['8', 'false', undefined, undefined, undefined]);
  });

  it("reads a resource's attribute (Fn::GetAtt, or ${Id.Attribute} in Fn::Sub) from an output that gives it, or from what the caller derived", async () => {
    // Prepare: the queue's ARN is an output; the bucket's ARN and the queue's name are derived by the caller
    const template = await loadTemplate();
    const names = {
      parameters: parameterDefaults(template),
      accountId: '123456789012',
      region: 'eu-west-1',
      partition: 'aws',
      outputs: { FailedEventsQueueArn: 'arn:aws:sqs:eu-west-1:123456789012:kit-failed-events' },
      attributes: { 'InboxBucket.Arn': 'arn:aws:s3:::kit-inbox', 'FailedEventsQueue.QueueName': 'kit-failed-events' },
    };
    // Act
    const values = [
      { 'Fn::GetAtt': ['FailedEventsQueue', 'Arn'] },
      { 'Fn::GetAtt': ['InboxBucket', 'Arn'] },
      { 'Fn::GetAtt': 'FailedEventsQueue.QueueName' },
      { 'Fn::Sub': '${InboxBucket.Arn}/*' },
      { 'Fn::GetAtt': ['BackupFunctionLogGroup', 'Arn'] },
      { 'Fn::Sub': '${BackupBucket.Arn}/*' },
    ].map((node) => resolveValue(template, node, names));
    // Assess
    expect(values).toEqual(['arn:aws:sqs:eu-west-1:123456789012:kit-failed-events', 'arn:aws:s3:::kit-inbox', 'kit-failed-events', 'arn:aws:s3:::kit-inbox/*', undefined, undefined]);
  });
});
