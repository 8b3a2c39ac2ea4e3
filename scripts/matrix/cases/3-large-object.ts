import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { emulatorRequests, FUNCTION_AGENT } from '../../lib/request-log.js';
import { TargetName } from '../../lib/targets.js';
import { backupOf, loggedLine } from '../checks.js';
import { fail, pass, type MatrixCase, type MatrixContext } from '../types.js';
import { CopyMethod } from '../../../handler/copy.js';
import { planParts } from '../../../handler/multipart-copy.js';
import { LogMessage, Outcome } from '../../../handler/outcome.js';

const MiB = 1024 * 1024;
export const LARGE_OBJECT_BYTES = 110 * MiB;
/** Each 4 KiB block of the upload starts with its number: no two blocks are alike. */
const BLOCK_BYTES = 4096;
/** Two blocks: a window this wide holds at least one whole block number, so only the right offset matches it. */
const WINDOW_BYTES = 2 * BLOCK_BYTES;

/** Bytes from `start` up to, not including, `end`. */
type Window = { readonly start: number; readonly end: number };

/**
 * The byte ranges to compare: the object's ends, and a window either side of every part boundary of the
 * function's copy. Each part is one UploadPartCopy of one contiguous range, so a part copied from the wrong
 * range, in the wrong place, twice or not at all shows at its own start or end. A few KiB per boundary (three
 * ranged GETs for 110 MiB in 64 MiB parts) instead of a sha256 of the whole backup, which would download 110 MiB
 * from S3 at every run on AWS: minutes on a slow link, and paid for.
 */
function windowsToCompare(size: number, partSize: number): Window[] {
  const boundaries = planParts(size, partSize).slice(1).map((part) => Number(/^bytes=(\d+)-/.exec(part.range)![1]));
  return [
    { start: 0, end: Math.min(WINDOW_BYTES, size) },
    ...boundaries.map((boundary) => ({ start: boundary - WINDOW_BYTES, end: Math.min(boundary + WINDOW_BYTES, size) })),
    { start: Math.max(size - WINDOW_BYTES, 0), end: size },
  ];
}

/** The part size the function copies with, from its environment (the template's MultipartPartSizeBytes). */
async function functionPartSize(context: MatrixContext): Promise<number> {
  const config = await context.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: context.outputs.BackupFunctionName }));
  const partSize = Number(config.Environment?.Variables?.MULTIPART_PART_SIZE_BYTES);
  if (!Number.isInteger(partSize) || partSize <= 0) {
    throw new Error(`${context.outputs.BackupFunctionName} has no MULTIPART_PART_SIZE_BYTES in its environment: deploy the stack from the template (\`make deploy\`)`);
  }
  return partSize;
}

/** The first window where the backup's bytes differ from the upload's, or undefined when all match. */
async function firstDifference(context: MatrixContext, key: string, versionId: string | undefined, upload: Buffer, windows: readonly Window[]) {
  for (const { start, end } of windows) {
    const object = await context.clients.s3.send(new GetObjectCommand({ Bucket: context.outputs.BackupBucketName, Key: key, VersionId: versionId, Range: `bytes=${start}-${end - 1}` }));
    const held = Buffer.from(await object.Body!.transformToByteArray());
    const expected = upload.subarray(start, end);
    if (!held.equals(expected)) {
      const at = expected.findIndex((byte, index) => held[index] !== byte);
      return `the backup's bytes ${start}-${end - 1} differ from the upload's (first at byte ${start + (at < 0 ? held.length : at)}): the copy in parts copied a wrong range (handler/multipart-copy.ts)`;
    }
  }
  return undefined;
}

/**
 * Where the embedded emulator's request log can tell: the function's own requests on the key since `since` show that
 * its bytes never passed through it (no GetObject, UploadPart or PutObject of it), and that each part was one
 * UploadPartCopy. Undefined when they do; elsewhere the log line's method is the evidence.
 */
async function bytesPassedThroughFunction(context: MatrixContext, key: string, since: number, parts: number): Promise<string | undefined> {
  if (context.target.name !== TargetName.embedded || !context.target.endpoint) return undefined;
  const paths = new Set([`/${context.outputs.InboxBucketName}/${key}`, `/${context.outputs.BackupBucketName}/${key}`]);
  const calls = (await emulatorRequests(context.target.endpoint, since)).filter((call) => call.userAgent.includes(FUNCTION_AGENT) && paths.has(call.path));
  const carried = calls.filter((call) => ['GetObject', 'UploadPart', 'PutObject'].includes(call.operation));
  if (carried.length > 0) return `the function moved the bytes itself (${carried.map((call) => call.operation).join(', ')}): the copy is not server-side (handler/multipart-copy.ts)`;
  const partCopies = calls.filter((call) => call.operation === 'UploadPartCopy' && call.status < 300).length;
  if (partCopies !== parts) return `the emulator saw ${partCopies} successful UploadPartCopy of the key, where the function logged ${parts} parts`;
  return undefined;
}

export const largeObject: MatrixCase = {
  id: 3,
  name: 'large object',
  async run(context) {
    const key = `${context.prefix}3-large/video.bin`;
    const body = Buffer.alloc(LARGE_OBJECT_BYTES);
    for (let offset = 0; offset < body.length; offset += BLOCK_BYTES) body.writeUInt32BE(offset / BLOCK_BYTES, offset);
    const since = Date.now();
    const upload = new Upload({
      client: context.clients.s3,
      params: { Bucket: context.outputs.InboxBucketName, Key: key, Body: body, ContentType: 'application/octet-stream' },
      partSize: 16 * MiB,
      queueSize: 4,
    });
    const uploaded = await upload.done();
    if (!uploaded.VersionId) return fail('the multipart upload returned no version id');
    const backup = await backupOf(context, key, uploaded.VersionId);
    const evidence = [`uploaded ${LARGE_OBJECT_BYTES} bytes in ${Math.ceil(LARGE_OBJECT_BYTES / (16 * MiB))} parts, version ${uploaded.VersionId}`, `backup ${backup.ContentLength} bytes, version ${backup.VersionId}`];
    if (backup.ContentLength !== LARGE_OBJECT_BYTES) return fail(`backup has ${backup.ContentLength} bytes, expected ${LARGE_OBJECT_BYTES}`, evidence);
    const partSize = await functionPartSize(context);
    const windows = windowsToCompare(LARGE_OBJECT_BYTES, partSize);
    const differs = await firstDifference(context, key, backup.VersionId, body, windows);
    if (differs) return fail(differs, evidence);
    evidence.push(`bytes equal the upload's in ${windows.length} ranges of at most ${(2 * WINDOW_BYTES) / 1024} KiB: the ends and each boundary of ${partSize}-byte parts`);
    const decision = await loggedLine(context, since, (l) => l.message === LogMessage.decision && l.key === key && l.outcome === Outcome.copied);
    if (!decision) return fail('no "copied" decision for the key in the log group', evidence);
    const timeoutMs = Number(context.parameters.FunctionTimeoutSeconds ?? 300) * 1000;
    evidence.push(`log: method=${decision.method} parts=${decision.parts} durationMs=${decision.durationMs} (timeout ${timeoutMs} ms)`);
    if (decision.method !== CopyMethod.multipartCopy) return fail(`copied with ${decision.method}, expected a server-side multipart_copy`, evidence);
    if (Number(decision.durationMs) >= timeoutMs) return fail('the copy took longer than the function timeout', evidence);
    const throughFunction = await bytesPassedThroughFunction(context, key, since, Number(decision.parts));
    if (throughFunction) return fail(throughFunction, evidence);
    if (context.target.name === TargetName.embedded) evidence.push(`the emulator's request log: ${decision.parts} UploadPartCopy from the function, and no byte of the key through it`);
    // The copy in parts sets its encryption itself (CreateMultipartUpload): case 6 checks only CopyObject's.
    if (backup.ServerSideEncryption !== 'AES256') return fail(`the backup copied in parts reports encryption ${backup.ServerSideEncryption ?? 'none'}, expected AES256 (handler/multipart-copy.ts)`, evidence);
    evidence.push('backup encrypted with AES256');
    return pass(evidence);
  },
};
