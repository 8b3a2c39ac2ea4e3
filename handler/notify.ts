import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { binarySize } from './binary-size.js';
import { shownName } from './shown-name.js';

const SUBJECT_LIMIT = 99;
const SUBJECT_PREFIX = 'Backed up: ';

export type Receipt = {
  readonly key: string;
  readonly bytes: number;
  readonly sourceBucket: string;
  readonly sourceVersionId: string;
  readonly backupBucket: string;
  readonly backupVersionId?: string;
  readonly method: string;
  readonly completedAt: Date;
  /** The upload's metadata entries the backup does without, to stay within S3's 2 KB. */
  readonly metadataLeftOut?: readonly string[];
  /** How many of the upload's tags the backup version lacks: they could not be set on it after the write. */
  readonly tagsLeftOut?: number;
};

/**
 * An SNS subject for a key: under 100 characters, printable ASCII only (no line breaks or control
 * characters, and nothing older SNS documentation would reject), whatever the key looks like.
 */
export function subjectFor(key: string): string {
  const name = key.split('/').filter(Boolean).pop() ?? key;
  const printable = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '_')
    .replace(/\s+/g, ' ')
    .trim();
  const room = SUBJECT_LIMIT - SUBJECT_PREFIX.length;
  const shown = printable.length > room ? `${printable.slice(0, room - 3)}...` : printable;
  return `${SUBJECT_PREFIX}${shown || '(unnamed object)'}`;
}

function formatBytes(bytes: number): string {
  const scaled = binarySize(bytes);
  return scaled ? `${scaled} (${bytes} bytes)` : `${bytes} bytes`;
}

/** The receipt's text; the key as the scripts print it, so that it can neither disguise itself nor add lines. */
export function messageFor(receipt: Receipt): string {
  return [
    'Your file is backed up.',
    '',
    `File:            ${shownName(receipt.key)}`,
    `Size:            ${formatBytes(receipt.bytes)}`,
    `From:            s3://${receipt.sourceBucket} (version ${receipt.sourceVersionId})`,
    `Backup:          s3://${receipt.backupBucket} (version ${receipt.backupVersionId ?? 'unversioned'})`,
    `Copied with:     ${receipt.method}, encrypted with SSE-S3`,
    `Completed at:    ${receipt.completedAt.toISOString()}`,
    ...(receipt.metadataLeftOut?.length
      ? [`Not backed up:   its metadata ${receipt.metadataLeftOut.map(shownName).join(', ')} (S3 keeps at most 2 KB of it, the backup's own entries included)`]
      : []),
    ...(receipt.tagsLeftOut ? [`Not backed up:   its ${receipt.tagsLeftOut} tag(s) (they could not be set on the backup version; the function's log says why)`] : []),
  ].join('\n');
}

/** Publishes the receipt and returns its message id. */
export async function sendReceipt(sns: SNSClient, topicArn: string, receipt: Receipt): Promise<string | undefined> {
  const response = await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: subjectFor(receipt.key),
      Message: messageFor(receipt),
      MessageAttributes: {
        outcome: { DataType: 'String', StringValue: 'copied' },
        key: { DataType: 'String', StringValue: receipt.key },
        bytes: { DataType: 'Number', StringValue: String(receipt.bytes) },
        sourceVersionId: { DataType: 'String', StringValue: receipt.sourceVersionId },
      },
    }),
  );
  return response.MessageId;
}
