import type { CopyObjectCommand, CreateMultipartUploadCommand } from '@aws-sdk/client-s3';

/**
 * Sends a header as written on one command. An `Expires` that is not an HTTP date (`0` is common: already
 * expired) reaches the SDK only as HeadObject's ExpiresString, and CopyObject's `Expires` takes a Date: the
 * text goes on the request itself.
 */
export function withRawHeader<C extends CopyObjectCommand | CreateMultipartUploadCommand>(command: C, name: string, value: string): C {
  (command as CopyObjectCommand).middlewareStack.add(
    (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers[name] = value;
      return next(args);
    },
    { step: 'build', name: `raw-${name}-header` },
  );
  return command;
}
