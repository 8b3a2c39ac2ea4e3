import { FilterLogEventsCommand, CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RequestRecord } from '../../scripts/lib/request-log.js';
import { LARGE_OBJECT_BYTES, largeObject } from '../../scripts/matrix/cases/3-large-object.js';
import { BACKUP, INBOX, MiB } from './support/fixtures.js';
import { logEvent, matrixContext } from './support/matrix-context.js';

const s3 = mockClient(S3Client);
const lambda = mockClient(LambdaClient);
const logs = mockClient(CloudWatchLogsClient);
const PART_SIZE = 64 * MiB;
const KEY = 'matrix/run-1/3-large/video.bin';

/** The byte the case writes at an offset: each 4 KiB block starts with its number (32 bits, big-endian), zeros follow. */
function patternByte(offset: number): number {
  const within = offset % 4096;
  return within < 4 ? (Math.floor(offset / 4096) >>> (8 * (3 - within))) & 0xff : 0;
}

/** A backup whose byte at an offset is the upload's byte at `sourceOffset(offset)`. */
function backupServing(sourceOffset: (offset: number) => number) {
  s3.on(GetObjectCommand, { Bucket: BACKUP }).callsFake(({ Range }: { Range?: string }) => {
    const [, first, last] = /^bytes=(\d+)-(\d+)$/.exec(Range ?? '') ?? [];
    if (first === undefined || last === undefined) throw new Error(`the case read the whole backup (Range ${Range}), not a range`);
    const bytes = Buffer.alloc(Number(last) - Number(first) + 1);
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = patternByte(sourceOffset(Number(first) + i));
    // Only what the case reads of a body
    return { Body: { transformToByteArray: async () => new Uint8Array(bytes) } as never, ContentLength: bytes.length };
  });
}

/** The embedded emulator's request log of the case's window answers these records of the function's calls. */
function requestLogHolds(calls: readonly Pick<RequestRecord, 'operation' | 'path'>[]) {
  const records = calls.map((call, index) => ({ startMs: index, endMs: index, service: 's3', method: 'PUT', status: 200, remotePort: '1', userAgent: 'aws-sdk-js/3 exec-env/AWS_Lambda_nodejs22.x', ...call }));
  vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response(JSON.stringify(records)));
}
const partCopy = { operation: 'UploadPartCopy', path: `/${BACKUP}/${KEY}` };

afterEach(() => vi.restoreAllMocks());

beforeEach(() => {
  s3.reset();
  requestLogHolds([partCopy, partCopy]);
  lambda.reset();
  logs.reset();
  // The upload into the inbox, in parts
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
  s3.on(UploadPartCommand).resolves({ ETag: '"part"' });
  s3.on(CompleteMultipartUploadCommand).resolves({ VersionId: 'v1' });
  // The backup of it: the right length, and the function's account of a copy in two parts
  s3.on(HeadObjectCommand, { Bucket: BACKUP }).resolves({ Metadata: { 'source-version-id': 'v1' }, ContentLength: LARGE_OBJECT_BYTES, VersionId: 'b1', ServerSideEncryption: 'AES256' });
  lambda.on(GetFunctionConfigurationCommand).resolves({ Environment: { Variables: { MULTIPART_PART_SIZE_BYTES: String(PART_SIZE) } } });
  logs.on(FilterLogEventsCommand).resolves({
    events: [logEvent({ message: 'backup decision', key: KEY, outcome: 'copied', method: 'multipart_copy', parts: 2, durationMs: 900 })],
  });
});

describe('case 3, the large object', () => {
  it('fails a backup whose second part was copied from the wrong range, though its length is right', async () => {
    // Prepare: part 2 holds the bytes from the object's start (its length, 46 MiB, is right)
    backupServing((offset) => (offset < PART_SIZE ? offset : offset - PART_SIZE));
    // Act
    const verdict = await largeObject.run(matrixContext());
    // Assess
    expect(verdict.outcome).toBe('FAIL');
    expect(verdict.reason).toMatch(/^the backup's bytes 67100672-67117055 differ from the upload's/);
  });

  it('passes a backup that holds the upload, read in a few KiB at its ends and around each part boundary', async () => {
    // Prepare
    backupServing((offset) => offset);
    // Act
    const verdict = await largeObject.run(matrixContext());
    // Assess
    expect(verdict.outcome).toBe('PASS');
    const ranges = s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Range);
    expect(ranges).toEqual(['bytes=0-8191', `bytes=${PART_SIZE - 8192}-${PART_SIZE + 8191}`, `bytes=${LARGE_OBJECT_BYTES - 8192}-${LARGE_OBJECT_BYTES - 1}`]);
  });

  it('fails a copy whose bytes went through the function, though its log says multipart_copy, where the request log shows it', async () => {
    // Prepare: ranged reads of the inbox and uploads of parts, the right bytes in the end
    backupServing((offset) => offset);
    requestLogHolds([{ operation: 'GetObject', path: `/${INBOX}/${KEY}` }, { operation: 'UploadPart', path: `/${BACKUP}/${KEY}` }, { operation: 'UploadPart', path: `/${BACKUP}/${KEY}` }]);
    // Act
    const verdict = await largeObject.run(matrixContext());
    // Assess
    expect(verdict.outcome).toBe('FAIL');
    expect(verdict.reason).toBe('the function moved the bytes itself (GetObject, UploadPart, UploadPart): the copy is not server-side (handler/multipart-copy.ts)');
  });

  it('fails a backup copied in parts that is not encrypted with AES256', async () => {
    // Prepare
    backupServing((offset) => offset);
    s3.on(HeadObjectCommand, { Bucket: BACKUP }).resolves({ Metadata: { 'source-version-id': 'v1' }, ContentLength: LARGE_OBJECT_BYTES, VersionId: 'b1', ServerSideEncryption: 'aws:kms' });
    // Act
    const verdict = await largeObject.run(matrixContext());
    // Assess
    expect(verdict.outcome).toBe('FAIL');
    expect(verdict.reason).toBe('the backup copied in parts reports encryption aws:kms, expected AES256 (handler/multipart-copy.ts)');
  });
});
