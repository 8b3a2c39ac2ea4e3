import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { messageFor, sendReceipt, subjectFor } from '../../handler/notify.js';
import { dependencies, TOPIC } from './support/fixtures.js';

const validSubject = /^[\x20-\x7e]{1,99}$/;

describe('subjectFor', () => {
  it.each([
    ['photos/holiday.jpg', 'Backed up: holiday.jpg'],
    ['reports/café.pdf', 'Backed up: cafe.pdf'],
    ['line\nbreak\ttab.txt', 'Backed up: line_break_tab.txt'],
    ['folder/', 'Backed up: folder'],
  ])('makes %j into %j', (key, subject) => {
    // Act
    const result = subjectFor(key);
    // Assess
    expect(result).toBe(subject);
  });

  it.each([['x'.repeat(1024)], ['日本語のファイル'.repeat(40)], ['📦'.repeat(300)], ['\u0000\u0007\u001b'.repeat(50)]])(
    'keeps a valid subject for a hostile key (%#)',
    (key) => {
      // Act
      const subject = subjectFor(key);
      // Assess
      expect(subject).toMatch(validSubject);
    },
  );
});

describe('sendReceipt', () => {
  it('publishes a readable message with attributes', async () => {
    // Prepare
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const receipt = {
      key: 'docs/a b.pdf',
      bytes: 3 * 1024 * 1024,
      sourceBucket: 'in',
      sourceVersionId: 'v1',
      backupBucket: 'bk',
      backupVersionId: 'b1',
      method: 'copy_object',
      completedAt: new Date('2026-11-28T10:00:00Z'),
    };
    // Act
    const messageId = await sendReceipt(dependencies().sns, TOPIC, receipt);
    // Assess
    expect(messageId).toBe('m-1');
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: 'Backed up: a b.pdf',
      Message: messageFor(receipt),
      MessageAttributes: expect.objectContaining({
        key: { DataType: 'String', StringValue: 'docs/a b.pdf' },
        bytes: { DataType: 'Number', StringValue: String(3 * 1024 * 1024) },
      }),
    });
    expect(messageFor(receipt)).toContain('3.0 MiB');
    sns.restore();
  });
});
