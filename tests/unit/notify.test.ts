import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { messageFor, sendReceipt, subjectFor } from '../../handler/notify.js';
import { dependencies, TOPIC } from './support/fixtures.js';

const validSubject = /^[\x20-\x7e]{1,99}$/;

/** A 3 MiB file's receipt, copied with CopyObject into a versioned backup. */
const copiedReceipt = {
  key: 'docs/a b.pdf',
  bytes: 3 * 1024 * 1024,
  sourceBucket: 'in',
  sourceVersionId: 'v1',
  backupBucket: 'bk',
  backupVersionId: 'b1',
  method: 'copy_object',
  completedAt: new Date('2026-11-28T10:00:00Z'),
};

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

describe('subjectFor, at its limits', () => {
  it('keeps a name that just fits, shortens a longer one with an ellipsis, collapses spaces and names a nameless key', () => {
    // Prepare: 'Backed up: ' leaves 88 of SNS's 99 characters for the name
    const fits = `${'f'.repeat(84)}.txt`;
    const long = `${'l'.repeat(85)}.txt`;
    // Act
    const subjects = [fits, long, 'two   spaces.txt', ' padded.txt ', '   '].map(subjectFor);
    // Assess
    expect(subjects).toEqual([
      `Backed up: ${fits}`,
      `Backed up: ${'l'.repeat(85)}...`,
      'Backed up: two spaces.txt',
      'Backed up: padded.txt',
      'Backed up: (unnamed object)',
    ]);
  });
});

describe('messageFor', () => {
  const receipt = { ...copiedReceipt, method: 'multipart_copy' };

  it('tells the owner what was backed up, from which version, to which version, how and when', () => {
    // Act
    const message = messageFor(receipt);
    // Assess
    expect(message).toBe(
      [
        'Your file is backed up.',
        '',
        'File:            docs/a b.pdf',
        'Size:            3.0 MiB (3145728 bytes)',
        'From:            s3://in (version v1)',
        'Backup:          s3://bk (version b1)',
        'Copied with:     multipart_copy, encrypted with SSE-S3',
        'Completed at:    2026-11-28T10:00:00.000Z',
      ].join('\n'),
    );
  });

  it('names the metadata the backup does without, each name shown so that it cannot add lines, and says nothing of it otherwise', () => {
    // Act
    const leftOut = messageFor({ ...receipt, metadataLeftOut: ['big', 'odd\nname'] });
    const kept = messageFor({ ...receipt, metadataLeftOut: [] });
    // Assess
    expect(leftOut.split('\n').pop()).toBe("Not backed up:   its metadata big, $'odd\\nname' (S3 keeps at most 2 KB of it, the backup's own entries included)");
    expect(kept).not.toContain('Not backed up');
  });

  it('names how many tags the backup version lacks, and says nothing of tags otherwise', () => {
    // Act
    const leftOut = messageFor({ ...receipt, tagsLeftOut: 2 });
    const kept = messageFor({ ...receipt, tagsLeftOut: 0 });
    // Assess
    expect(leftOut.split('\n').pop()).toBe("Not backed up:   its 2 tag(s) (they could not be set on the backup version; the function's log says why)");
    expect(kept).not.toContain('Not backed up');
  });

  it('says so when the backup has no version id, and gives a size under 1 KiB in bytes', () => {
    // Act
    const message = messageFor({ ...receipt, bytes: 512, backupVersionId: undefined });
    // Assess
    expect(message).toContain('\nSize:            512 bytes\n');
    expect(message).toContain('\nBackup:          s3://bk (version unversioned)\n');
  });

  it.each([
    ['invoice\u202Efdp.exe', "File:            $'invoice\\u202efdp.exe'"],
    ['a.pdf\nBackup:          s3://elsewhere', "File:            $'a.pdf\\nBackup:          s3://elsewhere'"],
    ["it's here.pdf", "File:            it's here.pdf"],
  ])('names %j so that it cannot disguise itself or add lines to the receipt', (key, line) => {
    // Act
    const message = messageFor({ ...receipt, key });
    // Assess
    expect(message.split('\n')[2]).toBe(line);
    expect(message.split('\n')).toHaveLength(8);
  });
});

describe('sendReceipt', () => {
  it('publishes a readable message with attributes', async () => {
    // Prepare
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    // Act
    const messageId = await sendReceipt(dependencies().sns, TOPIC, copiedReceipt);
    // Assess
    expect(messageId).toBe('m-1');
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: 'Backed up: a b.pdf',
      Message: messageFor(copiedReceipt),
      MessageAttributes: expect.objectContaining({
        key: { DataType: 'String', StringValue: 'docs/a b.pdf' },
        bytes: { DataType: 'Number', StringValue: String(3 * 1024 * 1024) },
      }),
    });
    expect(messageFor(copiedReceipt)).toContain('3.0 MiB');
    sns.restore();
  });

  it('gives every attribute a subscription can filter on, typed as SNS expects', async () => {
    // Prepare
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    const receipt = { key: 'k.txt', bytes: 10, sourceBucket: 'in', sourceVersionId: 'v9', backupBucket: 'bk', method: 'copy_object', completedAt: new Date('2026-11-28T10:00:00Z') };
    // Act
    await sendReceipt(dependencies().sns, TOPIC, receipt);
    // Assess
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes).toEqual({
      outcome: { DataType: 'String', StringValue: 'copied' },
      key: { DataType: 'String', StringValue: 'k.txt' },
      bytes: { DataType: 'Number', StringValue: '10' },
      sourceVersionId: { DataType: 'String', StringValue: 'v9' },
    });
    sns.restore();
  });
});
