import { CopyObjectCommand, CreateMultipartUploadCommand, S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { withExpiresAsWritten } from '../../handler/expires-header.js';

/** An S3 client whose every request is recorded and answered with `body`, on no network. */
function recordingClient(body: string) {
  const headers: Record<string, string>[] = [];
  const client = new S3Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: {
      handle: async (request: { headers: Record<string, string> }) => {
        headers.push({ ...request.headers });
        return { response: { statusCode: 200, headers: {}, body: Readable.from([Buffer.from(body)]) } };
      },
    },
  });
  return { client, headers };
}

describe('an Expires that is not an HTTP date', () => {
  it('goes on the wire as written on CopyObject and CreateMultipartUpload, and nothing is added without one', async () => {
    // Prepare
    const copying = recordingClient('<CopyObjectResult><ETag>"e"</ETag></CopyObjectResult>');
    const creating = recordingClient('<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>');
    const copy = (source: { expiresAsWritten?: string }) =>
      copying.client.send(withExpiresAsWritten(new CopyObjectCommand({ Bucket: 'backup', Key: 'k', CopySource: 'inbox/k' }), source));
    // Act
    await copy({ expiresAsWritten: '0' });
    await copy({});
    await creating.client.send(withExpiresAsWritten(new CreateMultipartUploadCommand({ Bucket: 'backup', Key: 'k' }), { expiresAsWritten: '-1' }));
    // Assess
    expect(copying.headers.map((sent) => sent.expires)).toEqual(['0', undefined]);
    expect(creating.headers[0]?.expires).toBe('-1');
  });
});
