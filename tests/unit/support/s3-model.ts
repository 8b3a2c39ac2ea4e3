import {
  CopyObjectCommand,
  HeadObjectCommand,
  type CopyObjectCommandInput,
  type HeadObjectCommandInput,
  type S3ClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-s3';
import type { AwsStub } from 'aws-sdk-client-mock';
import { awsError } from './fixtures.js';

type Version = { versionId: string; metadata: Record<string, string>; size: number };

/**
 * A tiny versioned S3 behind the mocked client (HeadObject and CopyObject only), so that the handler's
 * rules can be checked against every interleaving of events without a network.
 */
export class VersionedS3Model {
  private readonly buckets = new Map<string, Map<string, Version[]>>();
  private counter = 0;

  put(bucket: string, key: string, metadata: Record<string, string> = {}): string {
    const versionId = `v${++this.counter}`;
    this.versions(bucket, key).push({ versionId, metadata, size: 10 });
    return versionId;
  }

  latest(bucket: string, key: string): Version | undefined {
    return this.versions(bucket, key).at(-1);
  }

  count(bucket: string, key: string): number {
    return this.versions(bucket, key).length;
  }

  install(stub: AwsStub<ServiceInputTypes, ServiceOutputTypes, S3ClientResolvedConfig>): void {
    stub.on(HeadObjectCommand).callsFake((input: HeadObjectCommandInput) => {
      const version = this.latest(input.Bucket ?? '', input.Key ?? '');
      if (!version) throw awsError('NotFound', 404);
      return { VersionId: version.versionId, ContentLength: version.size, Metadata: { ...version.metadata } };
    });
    stub.on(CopyObjectCommand).callsFake((input: CopyObjectCommandInput) => {
      const [path = '', query = ''] = (input.CopySource ?? '').split('?');
      const slash = path.indexOf('/');
      const sourceBucket = path.slice(0, slash);
      const sourceKey = decodeURIComponent(path.slice(slash + 1));
      const versionId = new URLSearchParams(query).get('versionId');
      const source = this.versions(sourceBucket, sourceKey).find((v) => v.versionId === versionId);
      if (!source) throw awsError('NoSuchVersion', 404);
      const copied = this.put(input.Bucket ?? '', input.Key ?? '', { ...(input.Metadata ?? {}) });
      return { VersionId: copied };
    });
  }

  private versions(bucket: string, key: string): Version[] {
    let keys = this.buckets.get(bucket);
    if (!keys) this.buckets.set(bucket, (keys = new Map()));
    let versions = keys.get(key);
    if (!versions) keys.set(key, (versions = []));
    return versions;
  }
}
