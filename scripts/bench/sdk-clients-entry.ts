/**
 * The SDK as the function's bundle holds it, without the function's own code: its two clients made as the handler
 * makes them, and the commands it sends (each brings its schemas). The bench bundles this with the handler's
 * settings to tell the SDK's share of the cold init from the handler's; a unit test keeps the list of commands the
 * handler's own.
 */
import { createS3Client, createSnsClient } from '../../handler/clients.js';

export {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
export { PublishCommand } from '@aws-sdk/client-sns';

export const clients = { s3: createS3Client(), sns: createSnsClient() };
