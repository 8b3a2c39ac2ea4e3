/** An S3 ObjectCreated event as S3 would send it to the function (key form-URL-encoded). */
export function s3PutEvent(options: {
  bucket: string;
  key: string;
  region: string;
  versionId?: string;
  size?: number;
  sequencer?: string;
}): { Records: object[] } {
  const encodedKey = encodeURIComponent(options.key).replace(/%20/g, '+').replace(/%2F/g, '/');
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: options.region,
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'backup-kit-seed',
          bucket: { name: options.bucket, arn: `arn:aws:s3:::${options.bucket}` },
          object: {
            key: encodedKey,
            size: options.size ?? 0,
            ...(options.versionId ? { versionId: options.versionId } : {}),
            ...(options.sequencer ? { sequencer: options.sequencer } : {}),
          },
        },
      },
    ],
  };
}
