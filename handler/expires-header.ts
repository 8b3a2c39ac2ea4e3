import type { CopyObjectCommand, CreateMultipartUploadCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { ObjectVersion } from './source.js';

/**
 * The command, sending the source's Expires as written when it is not an HTTP date. `Expires: 0` (already
 * expired) is common; the SDK reads it only as HeadObject's ExpiresString, and the commands' `Expires` takes a
 * Date, so the text goes on the request itself.
 */
export function withExpiresAsWritten<C extends CopyObjectCommand | CreateMultipartUploadCommand | PutObjectCommand>(command: C, source: Pick<ObjectVersion, 'expiresAsWritten'>): C {
  const expires = source.expiresAsWritten;
  if (expires === undefined) return command;
  (command as CopyObjectCommand).middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers.expires = expires;
      return next(args);
    },
    { step: 'build', name: 'expiresAsWritten' },
  );
  return command;
}
