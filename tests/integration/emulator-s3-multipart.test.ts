import { createHash, randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { describe, expect, it } from 'vitest';
import { copyVersion, CopyMethod } from '../../handler/copy.js';
import { headObjectVersion } from '../../handler/source.js';
import { usePrivateEmulator } from './support/embedded.js';

const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest();
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();

let s3: S3Client;
/** The same client without retries: a dropped connection or a 500 is seen as it happened. */
let s3Once: S3Client;

type Outcome = { status: number | undefined; code: string | undefined };
const outcome = (request: Promise<unknown>): Promise<Outcome> =>
  request.then(
    () => ({ status: 200, code: undefined }),
    (error: { name?: string; $metadata?: { httpStatusCode?: number } }) => ({ status: error.$metadata?.httpStatusCode, code: error.name }),
  );
/** A 13 MiB source uploaded in parts, so that part copies read from a completed multipart object. */
const source = randomBytes(13 * MiB);

/** The bytes of a key's current version in the backup bucket. */
const contentOf = async (key: string) => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'backup', Key: key }))).Body!.transformToByteArray());

/** Copies the given inclusive byte ranges of the source into a new multipart upload of the backup bucket. */
async function copyRanges(key: string, ranges: readonly [number, number][], checksum?: 'SHA256') {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'backup', Key: key, ChecksumAlgorithm: checksum }));
  const parts = await Promise.all(
    ranges.map(async ([first, last], index) => {
      const copied = await s3.send(
        new UploadPartCopyCommand({ Bucket: 'backup', Key: key, UploadId, PartNumber: index + 1, CopySource: 'inbox/source.bin', CopySourceRange: `bytes=${first}-${last}` }),
      );
      return { PartNumber: index + 1, ETag: copied.CopyPartResult?.ETag, ChecksumSHA256: copied.CopyPartResult?.ChecksumSHA256 };
    }),
  );
  return { UploadId: UploadId!, parts };
}

usePrivateEmulator(async ({ target, clients }) => {
  s3 = clients.s3;
  s3Once = new S3Client({ region: target.region, endpoint: target.endpoint, credentials: target.credentials, forcePathStyle: true, maxAttempts: 1 });
  for (const Bucket of ['inbox', 'backup']) await s3.send(new CreateBucketCommand({ Bucket }));
  await new Upload({ client: s3, params: { Bucket: 'inbox', Key: 'source.bin', Body: source }, partSize: 5 * MiB }).done();
});

describe('UploadPartCopy with a range', () => {
  it('copies exactly the bytes of each range, with their MD5 as the part ETag', async () => {
    // Prepare
    const ranges: [number, number][] = [[0, 5 * MiB - 1], [5 * MiB, 11 * MiB], [11 * MiB + 1, source.length - 1]];
    // Act
    const { UploadId, parts } = await copyRanges('ranges.bin', ranges);
    const listed = await s3.send(new ListPartsCommand({ Bucket: 'backup', Key: 'ranges.bin', UploadId }));
    // Assess
    const expected = ranges.map(([first, last]) => source.subarray(first, last + 1));
    expect(listed.Parts?.map((part) => part.Size)).toEqual(expected.map((bytes) => bytes.length));
    expect(parts.map((part) => part.ETag)).toEqual(expected.map((bytes) => `"${md5(bytes).toString('hex')}"`));
  });
});

describe('UploadPartCopy refusals, as S3 answers them', () => {
  it('refuses a range outside the source, a part number outside 1 to 10,000, and an upload that is not there', async () => {
    // Prepare
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'backup', Key: 'refused.bin' }));
    const copyPart = (PartNumber: number, CopySourceRange: string | undefined, uploadId = UploadId) =>
      outcome(s3Once.send(new UploadPartCopyCommand({ Bucket: 'backup', Key: 'refused.bin', UploadId: uploadId, PartNumber, CopySource: 'inbox/source.bin', CopySourceRange })));
    // Act
    const answers = [
      await copyPart(1, `bytes=0-${source.length}`),
      await copyPart(1, `bytes=${source.length + 10}-${source.length + 1000}`),
      await copyPart(1, 'bytes=10-5'),
      // Not of the form bytes=first-last: moto copied the whole source for these
      await copyPart(1, 'bytes=5-'),
      await copyPart(1, 'bytes=-5'),
      await copyPart(1, 'byte=0-1'),
      await copyPart(1, `bytes=0-${5 * MiB},5-6`),
      await copyPart(10_001, 'bytes=0-0'),
      await copyPart(1, 'bytes=0-0', 'no-such-upload'),
      await copyPart(1, `bytes=0-${source.length - 1}`),
    ];
    // Assess
    expect(answers).toEqual([
      ...Array.from({ length: 8 }, () => ({ status: 400, code: 'InvalidArgument' })),
      { status: 404, code: 'NoSuchUpload' },
      { status: 200, code: undefined },
    ]);
  });

  it("accepts every range of the function's own multipart copy, which reproduces the source byte for byte", async () => {
    // Prepare: parts of 5 MiB over 13 MiB, the last one short
    const settings = { multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB, copyConcurrency: 4 };
    const version = await headObjectVersion(s3, 'inbox', 'source.bin');
    // Act
    const copy = await copyVersion(s3, settings, version!, { bucket: 'backup', key: 'by-the-function.bin' }, {});
    // Assess
    const object = await s3.send(new GetObjectCommand({ Bucket: 'backup', Key: 'by-the-function.bin' }));
    expect(copy.method).toBe(CopyMethod.multipartCopy);
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(source)).toBe(true);
  });
});

describe('CompleteMultipartUpload', () => {
  it('assembles the parts in order, with the multipart ETag', async () => {
    // Prepare
    const ranges: [number, number][] = [[0, 6 * MiB - 1], [6 * MiB, source.length - 1]];
    const { UploadId, parts } = await copyRanges('whole.bin', ranges);
    // Act
    const completed = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'backup', Key: 'whole.bin', UploadId, MultipartUpload: { Parts: parts } }));
    const object = await s3.send(new GetObjectCommand({ Bucket: 'backup', Key: 'whole.bin' }));
    // Assess
    const body = Buffer.from(await object.Body!.transformToByteArray());
    expect(body.equals(source)).toBe(true);
    const partDigests = Buffer.concat(ranges.map(([first, last]) => md5(source.subarray(first, last + 1))));
    expect(completed.ETag).toBe(`"${md5(partDigests).toString('hex')}-2"`);
    expect(object.ETag).toBe(completed.ETag);
    expect(object.ContentLength).toBe(source.length);
  });

  it('refuses parts listed out of order, or one part twice, as S3 does, instead of assembling them so', async () => {
    // Prepare
    const ranges: [number, number][] = [[0, 5 * MiB - 1], [5 * MiB, 10 * MiB - 1]];
    const { UploadId, parts } = await copyRanges('out-of-order.bin', ranges);
    const complete = (listed: typeof parts) =>
      outcome(s3Once.send(new CompleteMultipartUploadCommand({ Bucket: 'backup', Key: 'out-of-order.bin', UploadId, MultipartUpload: { Parts: listed } })));
    // Act
    const answers = [await complete([parts[1]!, parts[0]!]), await complete([parts[0]!, parts[0]!]), await complete(parts)];
    // Assess
    expect(answers).toEqual([
      { status: 400, code: 'InvalidPartOrder' },
      { status: 400, code: 'InvalidPartOrder' },
      { status: 200, code: undefined },
    ]);
  });

  it('reports the composite checksum of the parts when the upload asked for one', async () => {
    // Prepare
    const ranges: [number, number][] = [[0, 5 * MiB - 1], [5 * MiB, source.length - 1]];
    const { UploadId, parts } = await copyRanges('checksum.bin', ranges, 'SHA256');
    // Act
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'backup', Key: 'checksum.bin', UploadId, MultipartUpload: { Parts: parts } }));
    const object = await s3.send(new GetObjectCommand({ Bucket: 'backup', Key: 'checksum.bin', ChecksumMode: 'ENABLED' }));
    await object.Body?.transformToByteArray();
    // Assess
    const composite = sha256(Buffer.concat(ranges.map(([first, last]) => sha256(source.subarray(first, last + 1)))));
    expect(object.ChecksumSHA256).toBe(`${composite.toString('base64')}-2`);
    expect(object.ChecksumType).toBe('COMPOSITE');
  });
});

describe('CompleteMultipartUpload racing other requests on its upload', () => {
  const ranges: [number, number][] = [[0, 5 * MiB - 1], [5 * MiB, source.length - 1]];
  const completion = (key: string, UploadId: string, parts: { PartNumber: number; ETag?: string }[]) =>
    s3Once.send(new CompleteMultipartUploadCommand({ Bucket: 'backup', Key: key, UploadId, MultipartUpload: { Parts: parts } }));
  const after = <T>(ms: number, request: () => Promise<T>) => new Promise((resolve) => setTimeout(resolve, ms)).then(request);

  it('lets either the completion or an abort win, and answers the other NoSuchUpload', async () => {
    for (let round = 0; round < 8; round += 1) {
      // Prepare
      const key = `abort-race-${round}.bin`;
      const { UploadId, parts } = await copyRanges(key, ranges);
      // Act: the abort is sent up to 3 ms after the completion, or the completion up to 3 ms after the abort
      const [completed, aborted] = await Promise.all([
        outcome(after(round % 2 ? round / 2 : 0, () => completion(key, UploadId, parts))),
        outcome(after(round % 2 ? 0 : round / 2, () => s3Once.send(new AbortMultipartUploadCommand({ Bucket: 'backup', Key: key, UploadId })))),
      ]);
      // Assess
      expect([completed.status, aborted.status].sort()).toEqual([200, 404]);
      expect(completed.status === 200 ? aborted : completed).toEqual({ status: 404, code: 'NoSuchUpload' });
      if (completed.status === 200) expect((await contentOf(key)).equals(source)).toBe(true);
    }
  });

  it('assembles the parts it checked while the last one is uploaded again, or refuses with InvalidPart', async () => {
    // Eight parts of 5 MiB: the last one is replaced while the completion copies the ones before it.
    const first5MiB = source.subarray(0, 5 * MiB);
    const eightParts = Array.from({ length: 8 }, (): [number, number] => [0, 5 * MiB - 1]);
    for (let round = 0; round < 8; round += 1) {
      // Prepare
      const key = `reupload-race-${round}.bin`;
      const { UploadId, parts } = await copyRanges(key, eightParts);
      // Act: sent up to 56 ms after the completion; its own answer once the upload is complete is not what this test is about
      const [completed] = await Promise.all([
        outcome(completion(key, UploadId, parts)),
        outcome(after(round * 8, () => s3Once.send(new UploadPartCopyCommand({ Bucket: 'backup', Key: key, UploadId, PartNumber: 8, CopySource: 'inbox/source.bin', CopySourceRange: 'bytes=0-0' })))),
      ]);
      // Assess
      if (completed.status === 200) expect((await contentOf(key)).equals(Buffer.concat(eightParts.map(() => first5MiB)))).toBe(true);
      else expect(completed).toEqual({ status: 400, code: 'InvalidPart' });
    }
  });
});

describe('an upload id used with another key than its own', () => {
  it('is no upload of that key: its parts and completion are refused with NoSuchUpload, and neither key is written', async () => {
    // Prepare: an upload of precious.bin over the version there, whose id is then used on elsewhere.bin
    await s3.send(new PutObjectCommand({ Bucket: 'backup', Key: 'precious.bin', Body: 'precious' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'backup', Key: 'precious.bin' }));
    const part = await s3.send(new UploadPartCopyCommand({ Bucket: 'backup', Key: 'precious.bin', UploadId, PartNumber: 1, CopySource: 'inbox/source.bin', CopySourceRange: 'bytes=0-99' }));
    // Act
    const copied = await outcome(s3Once.send(new UploadPartCopyCommand({ Bucket: 'backup', Key: 'elsewhere.bin', UploadId, PartNumber: 2, CopySource: 'inbox/source.bin', CopySourceRange: 'bytes=0-99' })));
    const completed = await outcome(
      s3Once.send(new CompleteMultipartUploadCommand({ Bucket: 'backup', Key: 'elsewhere.bin', UploadId, IfNoneMatch: '*', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult?.ETag }] } })),
    );
    // Assess
    expect([copied, completed]).toEqual([
      { status: 404, code: 'NoSuchUpload' },
      { status: 404, code: 'NoSuchUpload' },
    ]);
    expect((await contentOf('precious.bin')).toString()).toBe('precious');
    expect(await outcome(s3Once.send(new GetObjectCommand({ Bucket: 'backup', Key: 'elsewhere.bin' })))).toEqual({ status: 404, code: 'NoSuchKey' });
  });
});

describe('UploadPartCopy from an archived source', () => {
  it('is refused until the source is restored, as CopyObject of it is', async () => {
    // Prepare: a source in an archive storage class
    await s3.send(new PutObjectCommand({ Bucket: 'inbox', Key: 'deep.bin', Body: randomBytes(1024), StorageClass: 'DEEP_ARCHIVE' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'backup', Key: 'deep.bin' }));
    // Act
    const copied = await outcome(s3Once.send(new UploadPartCopyCommand({ Bucket: 'backup', Key: 'deep.bin', UploadId, PartNumber: 1, CopySource: 'inbox/deep.bin', CopySourceRange: 'bytes=0-99' })));
    const whole = await outcome(s3Once.send(new CopyObjectCommand({ Bucket: 'backup', Key: 'deep-whole.bin', CopySource: 'inbox/deep.bin' })));
    // Assess
    expect(copied).toEqual({ status: 403, code: 'ObjectNotInActiveTierError' });
    expect(copied).toEqual(whole);
  });
});
