import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';

/**
 * SDK clients configured only by the standard environment (region, credentials, AWS_ENDPOINT_URL).
 * An endpoint override means an emulator on a plain host:port, which cannot serve virtual-hosted bucket
 * names, so S3 switches to path-style requests there and only there. The function sends and reads no object
 * bodies (its copies are server-side and keep the source's checksums), so the SDK's checksum work is left out.
 */
export function createS3Client(env: Readonly<Record<string, string | undefined>> = process.env): S3Client {
  const endpointOverridden = Boolean(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  return new S3Client({
    forcePathStyle: endpointOverridden,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function createSnsClient(): SNSClient {
  return new SNSClient({});
}
