import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { multipartCopy, planParts } from '../../handler/multipart-copy.js';
import { taggingHeader } from '../../handler/tagging.js';
import type { ObjectVersion } from '../../handler/source.js';
import { awsError, INBOX, MiB } from './support/fixtures.js';

const TiB = 1024 * 1024 * MiB;
const rangeOf = (range: string) => range.replace('bytes=', '').split('-').map(Number) as [number, number];

describe('planParts', () => {
  it.each([
    [100 * MiB + 123, 16 * MiB],
    [64 * MiB, 64 * MiB],
    [5 * TiB, 5 * MiB],
  ])('covers %i bytes contiguously in parts of at least %i bytes, numbered from 1', (size, partSize) => {
    // Act
    const parts = planParts(size, partSize);
    // Assess
    parts.forEach(({ partNumber, range }, i) => {
      const [start, end] = rangeOf(range);
      expect(partNumber).toBe(i + 1);
      expect(start).toBe(i === 0 ? 0 : rangeOf(parts[i - 1]!.range)[1] + 1);
      if (i < parts.length - 1) expect(end - start + 1).toBeGreaterThanOrEqual(partSize);
    });
    expect(rangeOf(parts.at(-1)!.range)[1]).toBe(size - 1);
  });

  it("raises the part size to stay within S3's 10,000 parts, in whole MiB", () => {
    // Act
    const parts = planParts(5 * TiB, 5 * MiB);
    // Assess
    expect(parts.length).toBeLessThanOrEqual(10_000);
    const [start, end] = rangeOf(parts[0]!.range);
    expect((end - start + 1) % MiB).toBe(0);
  });
});

describe('taggingHeader', () => {
  it('encodes tags as the query string CreateMultipartUpload takes, and nothing for none', () => {
    // Act
    const header = taggingHeader([{ Key: 'project', Value: 'a&b c' }, { Key: 'year', Value: '2026' }]);
    // Assess
    expect(header).toBe('project=a%26b+c&year=2026');
    expect(taggingHeader([])).toBeUndefined();
  });
});

describe('a multipart copy whose part fails', () => {
  it('starts no more parts and aborts the upload only after the parts in flight have ended', async () => {
    // Prepare: eight parts, four at a time; part 1 fails at once, the others take 50 ms each
    const s3 = mockClient(S3Client);
    const order: string[] = [];
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    s3.on(UploadPartCopyCommand).callsFake(async ({ PartNumber }: { PartNumber: number }) => {
      order.push(`part ${PartNumber} started`);
      if (PartNumber === 1) throw awsError('InternalError', 500);
      await new Promise((resolve) => setTimeout(resolve, 50));
      order.push(`part ${PartNumber} ended`);
      return { CopyPartResult: { ETag: `"e${PartNumber}"` } };
    });
    s3.on(AbortMultipartUploadCommand).callsFake(async () => {
      order.push('abort');
      return {};
    });
    const source: ObjectVersion = { bucket: INBOX, key: 'big.bin', versionId: 'v1', size: 40 * MiB, uploadedInParts: false, tagCount: 0, content: { size: 40 * MiB, checksums: {} }, headers: {}, metadata: {} };
    // Act
    const copy = multipartCopy(new S3Client({ region: 'us-east-1' }), { partSizeBytes: 5 * MiB, copyConcurrency: 4 }, source, { bucket: 'backup', key: 'big.bin' }, {});
    // Assess
    await expect(copy).rejects.toThrow('InternalError');
    expect(order).toEqual(['part 1 started', 'part 2 started', 'part 3 started', 'part 4 started', 'part 2 ended', 'part 3 ended', 'part 4 ended', 'abort']);
    s3.restore();
  });
});

describe('a multipart copy of a version whose tags do not fit in a header', () => {
  it('creates the upload without them and sets them on the completed backup version, where S3 refused them in the header', async () => {
    // Prepare: S3 refuses the create while it carries the tags (8 KB of headers), and takes it without them
    const s3 = mockClient(S3Client);
    const tags = Array.from({ length: 10 }, (_, i) => ({ Key: `k${i}${'/'.repeat(120)}`, Value: '/'.repeat(256) }));
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: tags });
    s3.on(CreateMultipartUploadCommand).callsFake(async ({ Tagging }: { Tagging?: string }) => {
      if (Tagging) throw awsError('RequestHeaderSectionTooLarge', 400);
      return { UploadId: 'u1' };
    });
    s3.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"e1"' } });
    s3.on(CompleteMultipartUploadCommand).resolves({ VersionId: 'b1' });
    s3.on(PutObjectTaggingCommand).resolves({});
    const source: ObjectVersion = { bucket: INBOX, key: 'tagged.bin', versionId: 'v1', size: 5 * MiB, uploadedInParts: false, tagCount: 0, content: { size: 5 * MiB, checksums: {} }, headers: {}, metadata: {} };
    // Act
    const copied = await multipartCopy(new S3Client({ region: 'us-east-1' }), { partSizeBytes: 5 * MiB, copyConcurrency: 1 }, source, { bucket: 'backup', key: 'tagged.bin' }, {});
    // Assess: every tag on the version the copy wrote, and no abort of a completed upload
    expect(copied).toEqual({ backupVersionId: 'b1', parts: 1 });
    expect(s3.commandCalls(CreateMultipartUploadCommand).map((call) => call.args[0].input.Tagging === undefined)).toEqual([false, true]);
    expect(s3).toHaveReceivedCommandWith(PutObjectTaggingCommand, { Bucket: 'backup', Key: 'tagged.bin', VersionId: 'b1', Tagging: { TagSet: tags } });
    expect(s3).not.toHaveReceivedCommand(AbortMultipartUploadCommand);
    s3.restore();
  });
});

describe('a multipart copy whose tags S3 refuses after the write', () => {
  it('returns the version it wrote with the tags not set, instead of failing a write that landed', async () => {
    // Prepare
    const s3 = mockClient(S3Client);
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: 'a', Value: '1' }] });
    s3.on(CreateMultipartUploadCommand, { Tagging: 'a=1' }).rejects(awsError('RequestHeaderSectionTooLarge', 400));
    s3.on(CreateMultipartUploadCommand, { Tagging: undefined }).resolves({ UploadId: 'u1' });
    s3.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"e1"' } });
    s3.on(CompleteMultipartUploadCommand).resolves({ VersionId: 'b1' });
    const refusal = awsError('InternalError', 500);
    s3.on(PutObjectTaggingCommand).rejects(refusal);
    const source: ObjectVersion = { bucket: INBOX, key: 'tagged.bin', versionId: 'v1', size: 5 * MiB, uploadedInParts: false, tagCount: 1, content: { size: 5 * MiB, checksums: {} }, headers: {}, metadata: {} };
    // Act
    const copied = await multipartCopy(new S3Client({ region: 'us-east-1', maxAttempts: 1 }), { partSizeBytes: 5 * MiB, copyConcurrency: 1 }, source, { bucket: 'backup', key: 'tagged.bin' }, {});
    // Assess
    expect(copied).toEqual({ backupVersionId: 'b1', parts: 1, tagsNotSet: { count: 1, error: expect.objectContaining({ name: 'InternalError' }) } });
    expect(s3).not.toHaveReceivedCommand(AbortMultipartUploadCommand);
    s3.restore();
  });
});

describe('a multipart copy whose abort fails too', () => {
  it('sends the abort once more after a pause, and reports an upload it could not abort, so that its billed parts are not left unsaid', async () => {
    // Prepare: two copies whose only part fails; the first one's abort fails once, the second one's every time
    const s3 = mockClient(S3Client);
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    s3.on(CreateMultipartUploadCommand).resolvesOnce({ UploadId: 'u1' }).resolves({ UploadId: 'u2' });
    s3.on(UploadPartCopyCommand).rejects(awsError('InternalError', 500));
    s3.on(AbortMultipartUploadCommand, { UploadId: 'u1' }).rejectsOnce(awsError('SlowDown', 503)).resolves({});
    s3.on(AbortMultipartUploadCommand, { UploadId: 'u2' }).rejects(awsError('SlowDown', 503));
    const left: { key: string; uploadId: string }[] = [];
    const settings = { partSizeBytes: 5 * MiB, copyConcurrency: 1, onUploadLeft: ({ key, uploadId }: { key: string; uploadId: string }) => void left.push({ key, uploadId }) };
    const source: ObjectVersion = { bucket: INBOX, key: 'big.bin', versionId: 'v1', size: 5 * MiB, uploadedInParts: false, tagCount: 0, content: { size: 5 * MiB, checksums: {} }, headers: {}, metadata: {} };
    const client = new S3Client({ region: 'us-east-1', maxAttempts: 1 });
    // Act
    const first = multipartCopy(client, settings, source, { bucket: 'backup', key: 'big.bin' }, {});
    await expect(first).rejects.toThrow('InternalError');
    const second = multipartCopy(client, settings, source, { bucket: 'backup', key: 'big.bin' }, {});
    // Assess: the copy's own error is what is thrown; only the upload still left is reported
    await expect(second).rejects.toThrow('InternalError');
    expect(s3.commandCalls(AbortMultipartUploadCommand).map((call) => call.args[0].input.UploadId)).toEqual(['u1', 'u1', 'u2', 'u2']);
    expect(left).toEqual([{ key: 'big.bin', uploadId: 'u2' }]);
    s3.restore();
  });
});

describe('a multipart copy that runs out of time', () => {
  it('starts no part it may not finish, and aborts the upload once the parts in flight have ended, saying what to raise', async () => {
    // Prepare: five parts, one at a time, each taking 20 s of the function's 60 s; a part starts only while the
    // slowest part so far and 5 s for the abort are left
    const s3 = mockClient(S3Client);
    let elapsedMs = 0;
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    s3.on(UploadPartCopyCommand).callsFake(async ({ PartNumber }: { PartNumber: number }) => {
      elapsedMs += 20_000;
      return { CopyPartResult: { ETag: `"e${PartNumber}"` } };
    });
    s3.on(AbortMultipartUploadCommand).resolves({});
    const source: ObjectVersion = { bucket: INBOX, key: 'big.bin', versionId: 'v1', size: 25 * MiB, uploadedInParts: false, tagCount: 0, content: { size: 25 * MiB, checksums: {} }, headers: {}, metadata: {} };
    const settings = { partSizeBytes: 5 * MiB, copyConcurrency: 1, timeLeftMs: () => 60_000 - elapsedMs };
    // Act
    const copy = multipartCopy(new S3Client({ region: 'us-east-1' }), settings, source, { bucket: 'backup', key: 'big.bin' }, {});
    // Assess: parts 1 and 2 ran; with 20 s left part 3 (20 s, and 5 s to spare) did not start
    await expect(copy).rejects.toThrow(
      "ran out of the function's time: 2 of 5 parts were copied when 20 s were left, and the upload was aborted (raise FunctionTimeoutSeconds, at most 900, or CopyConcurrency)",
    );
    expect(s3.commandCalls(UploadPartCopyCommand)).toHaveLength(2);
    expect(s3).toHaveReceivedCommandWith(AbortMultipartUploadCommand, { UploadId: 'u1' });
    expect(s3).not.toHaveReceivedCommand(CompleteMultipartUploadCommand);
    s3.restore();
  });
});

describe('a multipart copy against the clock, parts in parallel', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Copies 20 parts of 5 MiB, two at a time, part 1 taking `firstMs` and the others `otherMs`, with `leftMs` of the function's time. */
  async function copyAgainstTheClock(leftMs: number, firstMs: number, otherMs: number) {
    vi.useFakeTimers();
    const s3 = mockClient(S3Client);
    const deadline = Date.now() + leftMs;
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    s3.on(UploadPartCopyCommand).callsFake(async ({ PartNumber }: { PartNumber: number }) => {
      await new Promise((resolve) => setTimeout(resolve, PartNumber === 1 ? firstMs : otherMs));
      return { CopyPartResult: { ETag: `"e${PartNumber}"` } };
    });
    s3.on(CompleteMultipartUploadCommand).resolves({ VersionId: 'b1' });
    s3.on(AbortMultipartUploadCommand).resolves({});
    const source: ObjectVersion = { bucket: INBOX, key: 'big.bin', versionId: 'v1', size: 100 * MiB, uploadedInParts: false, tagCount: 0, content: { size: 100 * MiB, checksums: {} }, headers: {}, metadata: {} };
    const settings = { partSizeBytes: 5 * MiB, copyConcurrency: 2, timeLeftMs: () => deadline - Date.now() };
    const copy = multipartCopy(new S3Client({ region: 'us-east-1' }), settings, source, { bucket: 'backup', key: 'big.bin' }, {}).then(
      (result) => ({ result, parts: s3.commandCalls(UploadPartCopyCommand).length }),
      (error: Error) => ({ error: error.message, parts: s3.commandCalls(UploadPartCopyCommand).length }),
    );
    await vi.runAllTimersAsync();
    const outcome = await copy;
    s3.restore();
    return outcome;
  }

  it('counts a slow part still in flight as the longest so far, and starts no part that could not end before it and the reserve', async () => {
    // Prepare: 600 s left; part 1 takes 320 s, the others 50 s each, so part 8 would start at 300 s with 300 s left,
    // while part 1 has been running for 300 s: no room for another part as long as it and 5 s
    // Act
    const outcome = await copyAgainstTheClock(600_000, 320_000, 50_000);
    // Assess: parts 1 to 7 ran; the upload was aborted
    expect(outcome).toEqual({
      error: "ran out of the function's time: 7 of 20 parts were copied when 300 s were left, and the upload was aborted (raise FunctionTimeoutSeconds, at most 900, or CopyConcurrency)",
      parts: 7,
    });
  });

  it('copies every part when the time suffices, however many parts have come and gone', async () => {
    // Prepare: 600 s left, parts of 40 s two at a time: 400 s in all, each part far shorter than the time left
    // Act
    const outcome = await copyAgainstTheClock(600_000, 40_000, 40_000);
    // Assess
    expect(outcome).toEqual({ result: { backupVersionId: 'b1', parts: 20 }, parts: 20 });
  });

  it('starts no part when no time is left at all', async () => {
    // Act
    const outcome = await copyAgainstTheClock(0, 100, 100);
    // Assess
    expect(outcome).toMatchObject({ error: expect.stringMatching(/^ran out of the function's time: 0 of 20 parts were copied when 0 s were left/), parts: 0 });
  });

  it('keeps a quarter of the time in hand, not 5 s, where the function has only a few seconds', async () => {
    // Prepare: 3 s left, parts of 0.1 s: a reserve of 5 s would start none
    // Act
    const outcome = await copyAgainstTheClock(3_000, 100, 100);
    // Assess
    expect(outcome).toEqual({ result: { backupVersionId: 'b1', parts: 20 }, parts: 20 });
  });
});

describe('a multipart copy that completes', () => {
  it('names the backup version it wrote and how many parts it took, for the receipt', async () => {
    // Prepare: 12 MiB in parts of 5 MiB
    const s3 = mockClient(S3Client);
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    s3.on(UploadPartCopyCommand).callsFake(async ({ PartNumber }: { PartNumber: number }) => ({ CopyPartResult: { ETag: `"e${PartNumber}"` } }));
    s3.on(CompleteMultipartUploadCommand).resolves({ VersionId: 'b7' });
    const source: ObjectVersion = { bucket: INBOX, key: 'big.bin', versionId: 'v1', size: 12 * MiB, uploadedInParts: false, tagCount: 0, content: { size: 12 * MiB, checksums: {} }, headers: {}, metadata: {} };
    // Act
    const result = await multipartCopy(new S3Client({ region: 'us-east-1' }), { partSizeBytes: 5 * MiB, copyConcurrency: 2 }, source, { bucket: 'backup', key: 'big.bin' }, {}, { ifNoneMatch: '*' });
    // Assess
    expect(result).toEqual({ backupVersionId: 'b7', parts: 3 });
    expect(s3).toHaveReceivedCommandWith(CompleteMultipartUploadCommand, {
      UploadId: 'u1',
      IfNoneMatch: '*',
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"e1"' }, { PartNumber: 2, ETag: '"e2"' }, { PartNumber: 3, ETag: '"e3"' }] },
    });
    s3.restore();
  });
});
