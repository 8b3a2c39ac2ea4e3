import { createHash } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  S3ServiceException,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { copyToBackup } from '../../handler/copy.js';
import { BackupMetadata, provenanceMetadata, withoutProvenance } from '../../handler/provenance.js';
import type { ObjectVersion } from '../../handler/source.js';
import { awsError, BACKUP, config, dependencies, INBOX } from './support/fixtures.js';

const s3 = mockClient(S3Client);
beforeEach(() => {
  s3.reset();
  s3.on(CopyObjectCommand).resolves({ VersionId: 'b1' });
});

const source = (metadata: Record<string, string>): ObjectVersion => ({
  bucket: INBOX,
  key: 'a.txt',
  versionId: 'v1',
  size: 10,
  uploadedInParts: false,
  tagCount: 0,
  content: { size: 10, checksums: {} },
  headers: { ContentType: 'text/plain', Expires: new Date('2030-01-01T00:00:00Z') },
  metadata,
});

describe('copyToBackup', () => {
  it("writes the kit's provenance over anything the source metadata says", async () => {
    // Prepare
    const forged = source({ [BackupMetadata.sourceVersionId]: 'forged', [BackupMetadata.requestId]: 'forged', owner: 'ada' });
    // Act
    await copyToBackup(dependencies().s3, config, forged, provenanceMetadata({ sourceVersionId: 'v1', requestId: 'request-1' }), { ifNoneMatch: '*' });
    // Assess
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, {
      Bucket: BACKUP,
      Metadata: { owner: 'ada', [BackupMetadata.sourceVersionId]: 'v1', [BackupMetadata.requestId]: 'request-1' },
    });
  });

  it('carries every content header, Expires included, and the write condition', async () => {
    // Act
    await copyToBackup(dependencies().s3, config, source({}), {}, { ifMatch: '"etag-1"' });
    // Assess
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, { ContentType: 'text/plain', Expires: new Date('2030-01-01T00:00:00Z'), IfMatch: '"etag-1"' });
  });

  it('names the backup version it wrote and how, for the receipt', async () => {
    // Act
    const result = await copyToBackup(dependencies().s3, config, source({}), {}, { ifNoneMatch: '*' });
    // Assess
    expect(result).toEqual({ method: 'copy_object', backupVersionId: 'b1', parts: 1, droppedMetadata: [] });
  });

  it('copies an object of exactly the multipart threshold with one CopyObject', async () => {
    // Prepare
    const atThreshold = { ...source({}), size: config.multipartThresholdBytes };
    // Act
    const result = await copyToBackup(dependencies().s3, config, atThreshold, {}, { ifNoneMatch: '*' });
    // Assess
    expect(result.method).toBe('copy_object');
    expect(s3).toHaveReceivedCommandTimes(CopyObjectCommand, 1);
  });
});

describe("copyToBackup within S3's 8 KB of request headers", () => {
  /** S3's answer to a request with more than 8 KB of headers, as the SDK turns it into an error. */
  const headersTooLarge = () =>
    new S3ServiceException({ name: 'RequestHeaderSectionTooLarge', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Your request header section exceeds the maximum allowed size.' });

  beforeEach(() => {
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: 'team', Value: 'a' }] });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    s3.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"p1"' } });
    s3.on(CompleteMultipartUploadCommand).resolves({ VersionId: 'b2' });
  });

  it('copies in parts a version whose CopyObject S3 refuses for its headers (a long non-ASCII name beside full metadata)', async () => {
    // Prepare
    s3.on(CopyObjectCommand).rejects(headersTooLarge());
    const provenance = provenanceMetadata({ sourceVersionId: 'v1', requestId: 'request-1' });
    // Act
    const result = await copyToBackup(dependencies().s3, config, source({ owner: 'ada' }), provenance, { ifMatch: '"etag-1"' });
    // Assess
    expect(result).toEqual({ method: 'multipart_copy', backupVersionId: 'b2', parts: 1, droppedMetadata: [] });
    expect(s3).toHaveReceivedCommandWith(CreateMultipartUploadCommand, {
      Bucket: BACKUP,
      Key: 'a.txt',
      ContentType: 'text/plain',
      Metadata: { owner: 'ada', [BackupMetadata.sourceVersionId]: 'v1', [BackupMetadata.requestId]: 'request-1' },
      Tagging: 'team=a',
    });
    expect(s3).toHaveReceivedCommandWith(UploadPartCopyCommand, { CopySource: `${INBOX}/a.txt?versionId=v1`, CopySourceRange: 'bytes=0-9' });
    expect(s3).toHaveReceivedCommandWith(CompleteMultipartUploadCommand, { IfMatch: '"etag-1"' });
  });

  it('writes an empty version S3 refuses to copy for its headers with a PutObject of no bytes, which carries no copy source', async () => {
    // Prepare: an empty version has no byte range to copy in a part; it failed every attempt and was parked
    s3.on(CopyObjectCommand).rejects(headersTooLarge());
    s3.on(PutObjectCommand).resolves({ VersionId: 'b3' });
    const provenance = provenanceMetadata({ sourceVersionId: 'v1', requestId: 'request-1' });
    // Act
    const result = await copyToBackup(dependencies().s3, config, { ...source({ owner: 'ada' }), size: 0 }, provenance, { ifMatch: '"etag-1"' });
    // Assess
    expect(result).toEqual({ method: 'put_object', backupVersionId: 'b3', parts: 0, droppedMetadata: [] });
    expect(s3).toHaveReceivedCommandWith(GetObjectTaggingCommand, { Bucket: INBOX, Key: 'a.txt', VersionId: 'v1' });
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      Bucket: BACKUP,
      Key: 'a.txt',
      ContentType: 'text/plain',
      Expires: new Date('2030-01-01T00:00:00Z'),
      Metadata: { owner: 'ada', [BackupMetadata.sourceVersionId]: 'v1', [BackupMetadata.requestId]: 'request-1' },
      Tagging: 'team=a',
      ServerSideEncryption: 'AES256',
      IfMatch: '"etag-1"',
      // Under a default Object Lock retention S3 takes no PutObject without Content-MD5 or a checksum.
      ContentMD5: createHash('md5').update(new Uint8Array(0)).digest('base64'),
    });
    expect(put?.Body).toHaveLength(0);
    expect(s3).toHaveReceivedCommandTimes(CreateMultipartUploadCommand, 0);
  });

  it('writes an empty version whose tags do not fit in a header without them, then sets them on the version it wrote', async () => {
    // Prepare: S3 refuses the PutObject while it carries the tags
    s3.on(CopyObjectCommand).rejects(headersTooLarge());
    s3.on(PutObjectCommand).callsFake(async ({ Tagging }: { Tagging?: string }) => {
      if (Tagging) throw headersTooLarge();
      return { VersionId: 'b3' };
    });
    s3.on(PutObjectTaggingCommand).resolves({});
    const provenance = provenanceMetadata({ sourceVersionId: 'v1', requestId: 'request-1' });
    // Act
    const result = await copyToBackup(dependencies().s3, config, { ...source({ owner: 'ada' }), size: 0 }, provenance, { ifMatch: '"etag-1"' });
    // Assess
    expect(result).toEqual({ method: 'put_object', backupVersionId: 'b3', parts: 0, droppedMetadata: [] });
    expect(s3).toHaveReceivedCommandWith(PutObjectTaggingCommand, { Bucket: BACKUP, Key: 'a.txt', VersionId: 'b3', Tagging: { TagSet: [{ Key: 'team', Value: 'a' }] } });
  });

  it('returns the empty version it wrote with its tags not set when S3 refuses them after the write, instead of failing it', async () => {
    // Prepare
    s3.on(CopyObjectCommand).rejects(headersTooLarge());
    s3.on(PutObjectCommand).callsFake(async ({ Tagging }: { Tagging?: string }) => {
      if (Tagging) throw headersTooLarge();
      return { VersionId: 'b3' };
    });
    s3.on(PutObjectTaggingCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' }));
    // Act
    const result = await copyToBackup(dependencies().s3, config, { ...source({}), size: 0 }, {}, { ifNoneMatch: '*' });
    // Assess
    expect(result).toMatchObject({ method: 'put_object', backupVersionId: 'b3', tagsNotSet: { count: 1, error: expect.objectContaining({ name: 'AccessDenied' }) } });
  });

  it('fails as before when the refusal is another one', async () => {
    // Prepare
    s3.on(CopyObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' }));
    // Act
    const empty = await copyToBackup(dependencies().s3, config, { ...source({}), size: 0 }, {}, { ifNoneMatch: '*' }).catch((error: Error) => error.name);
    const denied = await copyToBackup(dependencies().s3, config, source({}), {}, { ifNoneMatch: '*' }).catch((error: Error) => error.name);
    // Assess
    expect([empty, denied]).toEqual(['AccessDenied', 'AccessDenied']);
    expect(s3).toHaveReceivedCommandTimes(CreateMultipartUploadCommand, 0);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 0);
  });
});

describe("copyToBackup within S3's 2 KB of metadata", () => {
  const written = '2026-11-27T18:00:00.000Z';
  const sentMetadata = () => s3.commandCalls(CopyObjectCommand)[0]?.args[0].input.Metadata;

  it('leaves off the largest uploaded entry, whatever order the upload gave them in', async () => {
    // Prepare: 2,040 bytes of user metadata, the small entry first
    const full = source({ small: 'y'.repeat(132), big: 'x'.repeat(1900) });
    const provenance = provenanceMetadata({ sourceVersionId: 'v1', sourceSequencer: '0A', sourceLastModified: written, requestId: 'request-1' });
    // Act
    const result = await copyToBackup(dependencies().s3, config, full, provenance, { ifNoneMatch: '*' });
    // Assess
    expect(result.droppedMetadata).toEqual([BackupMetadata.sourceSequencer, BackupMetadata.sourceLastModified, 'big']);
    expect(sentMetadata()).toEqual({ small: 'y'.repeat(132), [BackupMetadata.sourceVersionId]: 'v1', [BackupMetadata.requestId]: 'request-1' });
  });

  it('fits a full upload whose provenance has no sequencer (the event named an older version)', async () => {
    // Prepare
    const full = source({ big: 'x'.repeat(1900), small: 'y'.repeat(132) });
    const provenance = provenanceMetadata({ sourceVersionId: 'v2', sourceLastModified: written, requestId: 'request-1' });
    // Act
    const result = await copyToBackup(dependencies().s3, config, full, provenance, { ifNoneMatch: '*' });
    // Assess
    expect(result.droppedMetadata).toEqual([BackupMetadata.sourceLastModified, 'big']);
    expect(sentMetadata()).toEqual({ small: 'y'.repeat(132), [BackupMetadata.sourceVersionId]: 'v2', [BackupMetadata.requestId]: 'request-1' });
  });

  it('leaves off the upload-in-parts mark only after the Last-Modified it qualifies, never keeping Last-Modified without it', async () => {
    // Prepare: 2,163 bytes in all; dropping the sequencer, Last-Modified and the mark leaves 2,073, still too many
    const full = source({ big: 'x'.repeat(1900), small: 'y'.repeat(120) });
    const provenance = provenanceMetadata({ sourceVersionId: 'v1', sourceSequencer: '0A', sourceLastModified: written, sourceUploadedInParts: 'true', requestId: 'request-1' });
    // Act
    const result = await copyToBackup(dependencies().s3, config, full, provenance, { ifNoneMatch: '*' });
    // Assess
    expect(result.droppedMetadata).toEqual([BackupMetadata.sourceSequencer, BackupMetadata.sourceLastModified, BackupMetadata.sourceUploadedInParts, 'big']);
    expect(sentMetadata()).toEqual({ small: 'y'.repeat(120), [BackupMetadata.sourceVersionId]: 'v1', [BackupMetadata.requestId]: 'request-1' });
  });

  it('never leaves off the provenance, even for a large uploaded entry of the same name', async () => {
    // Prepare: a forged source-version-id, the largest entry of the upload
    const forged = source({ [BackupMetadata.sourceVersionId]: 'x'.repeat(1500), big: 'b'.repeat(1000), note: 'n'.repeat(1100) });
    const provenance = provenanceMetadata({ sourceVersionId: 'v1', requestId: 'request-1' });
    // Act
    const result = await copyToBackup(dependencies().s3, config, forged, provenance, { ifNoneMatch: '*' });
    // Assess
    expect(result.droppedMetadata).toEqual(['note']);
    expect(sentMetadata()).toEqual({ big: 'b'.repeat(1000), [BackupMetadata.sourceVersionId]: 'v1', [BackupMetadata.requestId]: 'request-1' });
  });

  it('leaves off an uploaded entry named like a property every JavaScript object has (constructor …)', async () => {
    // Prepare: nearly all of the 2 KB in one entry whose name a plain object also answers to
    const full = source({ constructor: 'c'.repeat(2000), note: 'n' });
    const provenance = provenanceMetadata({ sourceVersionId: 'v1', requestId: 'request-1' });
    // Act
    const result = await copyToBackup(dependencies().s3, config, full, provenance, { ifNoneMatch: '*' });
    // Assess
    expect(result.droppedMetadata).toEqual(['constructor']);
    expect(sentMetadata()).toEqual({ note: 'n', [BackupMetadata.sourceVersionId]: 'v1', [BackupMetadata.requestId]: 'request-1' });
  });

  it('leaves off nothing when keys and values come to exactly 2,048 bytes', async () => {
    // Prepare: provenance of 19 + 26 bytes, and 4 + 1,999 of the uploader's
    const provenance = provenanceMetadata({ sourceVersionId: 'v1', requestId: 'request-1' });
    const exact = source({ note: 'n'.repeat(2048 - 45 - 4) });
    // Act
    const result = await copyToBackup(dependencies().s3, config, exact, provenance, { ifNoneMatch: '*' });
    // Assess
    expect(result.droppedMetadata).toEqual([]);
    expect(sentMetadata()).toEqual({ note: 'n'.repeat(1999), [BackupMetadata.sourceVersionId]: 'v1', [BackupMetadata.requestId]: 'request-1' });
  });

  // 'é' is two UTF-8 bytes: 760 of them are 1,520 bytes as S3 stores them, 2,040 as it returns them (=?UTF-8?B?…?=).
  const accented = 'é'.repeat(760);
  const asRead = `=?UTF-8?B?${Buffer.from(accented).toString('base64')}?=`;

  it('counts a value S3 returns RFC 2047-encoded by its bytes as stored, as S3 counts it, and keeps it', async () => {
    // Prepare: 1,524 bytes of the uploader's as stored (2,044 as read), beside 107 of provenance
    const provenance = provenanceMetadata({ sourceVersionId: 'v1', sourceSequencer: '0A', sourceLastModified: written, requestId: 'request-1' });
    // Act
    const result = await copyToBackup(dependencies().s3, config, source({ note: asRead }), provenance, { ifNoneMatch: '*' });
    // Assess: sent as read, the SDK cannot send it otherwise
    expect(result.droppedMetadata).toEqual([]);
    expect(sentMetadata()).toEqual({ note: asRead, ...provenance });
  });

  it('copies again as it did before, counting the bytes as sent, when S3 refuses the fit as stored MetadataTooLarge', async () => {
    // Prepare: S3 refuses the first copy for its metadata
    s3.on(CopyObjectCommand).rejectsOnce(awsError('MetadataTooLarge', 400)).resolves({ VersionId: 'b2' });
    const provenance = provenanceMetadata({ sourceVersionId: 'v1', sourceSequencer: '0A', sourceLastModified: written, requestId: 'request-1' });
    // Act
    const result = await copyToBackup(dependencies().s3, config, source({ note: asRead, small: 's' }), provenance, { ifNoneMatch: '*' });
    // Assess: the second copy leaves off what the count as sent leaves off, under the same condition, and says so
    const copies = s3.commandCalls(CopyObjectCommand).map((call) => call.args[0].input);
    expect(copies.map((copy) => Object.keys(copy.Metadata ?? {}).sort())).toEqual([
      ['backup-request-id', 'note', 'small', 'source-last-modified', 'source-sequencer', 'source-version-id'],
      ['backup-request-id', 'small', 'source-version-id'],
    ]);
    expect(copies.map((copy) => copy.IfNoneMatch)).toEqual(['*', '*']);
    expect(result).toEqual({ method: 'copy_object', backupVersionId: 'b2', parts: 1, droppedMetadata: [BackupMetadata.sourceSequencer, BackupMetadata.sourceLastModified, 'note'], metadataCountedAsSent: true });
  });

  it('copies again when the count as sent leaves off as many entries, but others (the largest as sent is not the largest as stored)', async () => {
    // Prepare: 'plain' is the largest as stored (1,105 bytes against 904), 'note' as sent (1,216); each count drops one
    s3.on(CopyObjectCommand).rejectsOnce(awsError('MetadataTooLarge', 400)).resolves({ VersionId: 'b2' });
    const note = `=?UTF-8?B?${Buffer.from('é'.repeat(450)).toString('base64')}?=`;
    // Act
    const result = await copyToBackup(dependencies().s3, config, source({ plain: 'a'.repeat(1100), note }), provenanceMetadata({ sourceVersionId: 'v1', requestId: 'request-1' }), { ifNoneMatch: '*' });
    // Assess
    expect(s3).toHaveReceivedCommandTimes(CopyObjectCommand, 2);
    expect(result).toMatchObject({ backupVersionId: 'b2', droppedMetadata: ['note'], metadataCountedAsSent: true });
  });

  it('copies again fitted by the bytes as sent when the longer metadata makes S3 refuse an empty version for its headers', async () => {
    // Prepare: an empty version has no byte range to copy in parts, and its PutObject of no bytes is refused too (the
    // metadata as read is what is too long); its CopyObject passed with the metadata fitted as sent
    s3.on(CopyObjectCommand).rejectsOnce(awsError('RequestHeaderSectionTooLarge', 400)).resolves({ VersionId: 'b2' });
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    s3.on(PutObjectCommand).rejects(awsError('RequestHeaderSectionTooLarge', 400));
    const empty = { ...source({ note: asRead }), size: 0 };
    // Act
    const result = await copyToBackup(dependencies().s3, config, empty, provenanceMetadata({ sourceVersionId: 'v1', requestId: 'request-1' }), { ifNoneMatch: '*' });
    // Assess
    expect(s3.commandCalls(CopyObjectCommand).map((call) => Object.keys(call.args[0].input.Metadata ?? {}).includes('note'))).toEqual([true, false]);
    expect(s3).toHaveReceivedCommandTimes(CreateMultipartUploadCommand, 0);
    expect(result).toMatchObject({ backupVersionId: 'b2', droppedMetadata: ['note'], metadataCountedAsSent: true });
  });

  it('fails as before when S3 refuses metadata that both counts fit alike', async () => {
    // Prepare: US-ASCII only, so the count as sent is the same
    s3.on(CopyObjectCommand).rejects(awsError('MetadataTooLarge', 400));
    // Act
    const refused = await copyToBackup(dependencies().s3, config, source({ note: 'n' }), provenanceMetadata({ sourceVersionId: 'v1', requestId: 'request-1' }), { ifNoneMatch: '*' }).catch((error: Error) => error.name);
    // Assess
    expect(refused).toBe('MetadataTooLarge');
    expect(s3).toHaveReceivedCommandTimes(CopyObjectCommand, 1);
  });

  it('fits by the bytes as stored on a copy in parts, and falls back there too when CreateMultipartUpload refuses it', async () => {
    // Prepare: above the threshold
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    s3.on(CreateMultipartUploadCommand).rejectsOnce(awsError('MetadataTooLarge', 400)).resolves({ UploadId: 'u1' });
    s3.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"p1"' } });
    s3.on(CompleteMultipartUploadCommand).resolves({ VersionId: 'b3' });
    const large = { ...source({ note: asRead }), size: config.multipartThresholdBytes + 1 };
    // Act
    const result = await copyToBackup(dependencies().s3, config, large, provenanceMetadata({ sourceVersionId: 'v1', sourceLastModified: written, requestId: 'request-1' }), { ifNoneMatch: '*' });
    // Assess
    expect(s3.commandCalls(CreateMultipartUploadCommand).map((call) => Object.keys(call.args[0].input.Metadata ?? {}).includes('note'))).toEqual([true, false]);
    expect(result).toMatchObject({ method: 'multipart_copy', backupVersionId: 'b3', droppedMetadata: [BackupMetadata.sourceLastModified, 'note'], metadataCountedAsSent: true });
  });
});

describe('withoutProvenance', () => {
  it("drops the kit's keys in any case and keeps the uploader's", () => {
    // Act
    const kept = withoutProvenance({ 'Source-Version-Id': 'x', 'SOURCE-SEQUENCER': 'FF', 'backup-request-id': 'r', owner: 'ada' });
    // Assess
    expect(kept).toEqual({ owner: 'ada' });
  });
});
