import { Outcome, type RecordOutcome } from '../../../handler/outcome.js';
import { s3PutEvent } from '../../../scripts/lib/s3-event.js';

/** What one corpus entry needs from the live stack to build its event. */
export type CorpusContext = {
  readonly inbox: string;
  readonly backup: string;
  /** Uploads into the inbox and returns the version id. */
  readonly upload: (key: string, body: string) => Promise<string>;
  readonly remove: (key: string) => Promise<void>;
};

/** What the function must answer, and which keys must end up backed up (holding the inbox's current version). */
export type CorpusExpectation = {
  readonly outcomes: readonly RecordOutcome[];
  readonly ignored?: number;
  readonly malformed?: number;
  readonly backedUp?: readonly string[];
  /** Keys that must have no backup at all afterwards. */
  readonly notBackedUp?: readonly string[];
};

export type CorpusEntry = {
  readonly name: string;
  readonly event: (context: CorpusContext, key: string) => Promise<unknown>;
  readonly expect: (key: string) => CorpusExpectation;
};

const s3Record = (bucket: string, key: string, versionId?: string) => s3PutEvent({ bucket, key, region: 'us-east-1', versionId }).Records[0] as Record<string, unknown>;
const withObject = (record: Record<string, unknown>, change: Record<string, unknown>) => {
  const s3 = record.s3 as { object: Record<string, unknown> };
  return { ...record, s3: { ...s3, object: { ...s3.object, ...change } } };
};
const uploaded = async (context: CorpusContext, key: string) => s3PutEvent({ bucket: context.inbox, key, region: 'us-east-1', versionId: await context.upload(key, `body of ${key}`) });
const nothing = { outcomes: [] };
const malformed = (count = 1): CorpusExpectation => ({ outcomes: [], malformed: count });
const ignored = (count = 1): CorpusExpectation => ({ outcomes: [], ignored: count });
const copied = (key: string): CorpusExpectation => ({ outcomes: [Outcome.copied], backedUp: [key] });
const eventBridge = (bucket: string, key: string, detailType: string, versionId?: string) => ({
  version: '0',
  source: 'aws.s3',
  'detail-type': detailType,
  detail: { version: '0', bucket: { name: bucket }, object: { key, size: 10, ...(versionId ? { 'version-id': versionId } : {}) }, reason: 'PutObject' },
});
const sqs = (body: unknown) => ({ Records: [{ eventSource: 'aws:sqs', messageId: 'm-1', body: typeof body === 'string' ? body : JSON.stringify(body) }] });
const sns = (message: unknown) => ({ Records: [{ EventSource: 'aws:sns', Sns: { Type: 'Notification', Message: JSON.stringify(message) } }] });

/**
 * Event and key shapes the function must take without a crash loop: each gets its logged outcome and nothing
 * is copied wrongly. `key` is a fresh key prefix per entry.
 */
export const eventCorpus: readonly CorpusEntry[] = [
  { name: 'null', event: async () => null, expect: () => malformed() },
  { name: 'a string', event: async () => 'text', expect: () => malformed() },
  { name: 'a number', event: async () => 42, expect: () => malformed() },
  { name: 'a list', event: async () => [], expect: () => malformed() },
  { name: 'an empty object', event: async () => ({}), expect: () => malformed() },
  { name: 'Records that is not a list', event: async () => ({ Records: 'no list' }), expect: () => malformed() },
  { name: 'no records at all', event: async () => ({ Records: [] }), expect: () => nothing },
  { name: 'a null record', event: async () => ({ Records: [null] }), expect: () => malformed() },
  { name: 'a record without eventSource', event: async (c, k) => ({ Records: [{ ...s3Record(c.inbox, k), eventSource: undefined }] }), expect: () => malformed() },
  { name: 'an S3 record without s3', event: async () => ({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put' }] }), expect: () => malformed() },
  { name: 'no bucket name', event: async (c, k) => ({ Records: [{ ...s3Record(c.inbox, k), s3: { object: { key: k } } }] }), expect: () => malformed() },
  { name: 'no object key', event: async (c, k) => ({ Records: [withObject(s3Record(c.inbox, k), { key: undefined })] }), expect: () => malformed() },
  { name: 'a key that is not valid URL encoding', event: async (c, k) => ({ Records: [withObject(s3Record(c.inbox, k), { key: `${k}bad%E0%A4%A.txt` })] }), expect: () => malformed() },
  { name: 'a version id that is a number', event: async (c, k) => ({ Records: [withObject(s3Record(c.inbox, k), { versionId: 7 })] }), expect: () => malformed() },
  { name: 'no eventName', event: async (c, k) => ({ Records: [{ ...(await uploaded(c, k)).Records[0], eventName: undefined }] }), expect: (k) => ({ ...malformed(), notBackedUp: [k] }) },
  { name: 'a sequencer that is not hex', event: async (c, k) => ({ Records: [withObject((await uploaded(c, k)).Records[0] as Record<string, unknown>, { sequencer: 'not-hex!' })] }), expect: copied },
  { name: 'a size that is not a number', event: async (c, k) => ({ Records: [withObject((await uploaded(c, k)).Records[0] as Record<string, unknown>, { size: 'big' })] }), expect: copied },
  { name: 'an s3:TestEvent', event: async (c) => ({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: c.inbox }), expect: () => ignored() },
  { name: 'a delete', event: async (c, k) => ({ Records: [{ ...s3Record(c.inbox, k), eventName: 'ObjectRemoved:Delete' }] }), expect: () => ignored() },
  { name: 'a delete marker', event: async (c, k) => ({ Records: [{ ...s3Record(c.inbox, k), eventName: 'ObjectRemoved:DeleteMarkerCreated' }] }), expect: () => ignored() },
  { name: 'a restore from Glacier', event: async (c, k) => ({ Records: [{ ...s3Record(c.inbox, k), eventName: 'ObjectRestore:Completed' }] }), expect: () => ignored() },
  { name: 'an event from the backup bucket', event: async (c, k) => s3PutEvent({ bucket: c.backup, key: k, region: 'us-east-1' }), expect: (k) => ({ ...ignored(), notBackedUp: [k] }) },
  { name: 'an event from another bucket', event: async (_c, k) => s3PutEvent({ bucket: 'someone-elses-bucket', key: k, region: 'us-east-1' }), expect: (k) => ({ ...ignored(), notBackedUp: [k] }) },
  { name: 'EventBridge Object Created, key as it is', event: async (c, k) => eventBridge(c.inbox, `${k}a+b c.txt`, 'Object Created', await c.upload(`${k}a+b c.txt`, 'x')), expect: (k) => copied(`${k}a+b c.txt`) },
  { name: 'EventBridge Object Deleted', event: async (c, k) => eventBridge(c.inbox, k, 'Object Deleted'), expect: () => ignored() },
  { name: 'an S3 event wrapped by SQS', event: async (c, k) => sqs(await uploaded(c, k)), expect: copied },
  { name: 'an SQS body that is not JSON', event: async () => sqs('not json'), expect: () => malformed() },
  { name: 'an S3 event wrapped by SNS', event: async (c, k) => sns(await uploaded(c, k)), expect: copied },
  { name: 'SNS inside SQS', event: async (c, k) => sqs({ Type: 'Notification', Message: JSON.stringify(await uploaded(c, k)) }), expect: copied },
  {
    name: 'envelopes nested five deep',
    event: async (c, k) => {
      let event: unknown = await uploaded(c, k);
      for (let i = 0; i < 5; i += 1) event = sqs(event);
      return event;
    },
    expect: (k) => ({ ...malformed(), notBackedUp: [k] }),
  },
  { name: 'a unicode key in NFC', event: async (c, k) => uploaded(c, `${k}caf\u00e9 \u65e5\u672c.txt`), expect: (k) => copied(`${k}caf\u00e9 \u65e5\u672c.txt`) },
  {
    name: 'the same name in NFD beside its NFC twin',
    event: async (c, k) => {
      await c.upload(`${k}caf\u00e9.txt`, 'composed');
      return uploaded(c, `${k}cafe\u0301.txt`);
    },
    expect: (k) => ({ outcomes: [Outcome.copied], backedUp: [`${k}cafe\u0301.txt`], notBackedUp: [`${k}caf\u00e9.txt`] }),
  },
  { name: 'a literal plus in the key', event: async (c, k) => uploaded(c, `${k}c++ notes+1.txt`), expect: (k) => copied(`${k}c++ notes+1.txt`) },
  { name: 'a literal percent in the key', event: async (c, k) => uploaded(c, `${k}100% done %20.txt`), expect: (k) => copied(`${k}100% done %20.txt`) },
  { name: 'spaces and a question mark', event: async (c, k) => uploaded(c, `${k}what is this? (1).pdf`), expect: (k) => copied(`${k}what is this? (1).pdf`) },
  { name: 'a 1024-byte key', event: async (c, k) => uploaded(c, `${k}${'x'.repeat(1024 - k.length)}`), expect: (k) => copied(`${k}${'x'.repeat(1024 - k.length)}`) },
  { name: 'a zero-byte object', event: async (c, k) => s3PutEvent({ bucket: c.inbox, key: k, region: 'us-east-1', versionId: await c.upload(k, '') }), expect: copied },
  {
    name: 'an object deleted before the copy',
    event: async (c, k) => {
      const event = await uploaded(c, k);
      await c.remove(k);
      return event;
    },
    expect: (k) => ({ outcomes: [Outcome.sourceMissing], notBackedUp: [k] }),
  },
  {
    name: 'a version id that never existed, for a key that does',
    event: async (c, k) => {
      await c.upload(k, 'current');
      return s3PutEvent({ bucket: c.inbox, key: k, region: 'us-east-1', versionId: 'never-existed' });
    },
    expect: copied,
  },
  { name: 'a key that never existed', event: async (c, k) => s3PutEvent({ bucket: c.inbox, key: k, region: 'us-east-1', versionId: 'v1' }), expect: (k) => ({ outcomes: [Outcome.sourceMissing], notBackedUp: [k] }) },
  {
    name: 'the same record twice in one batch',
    event: async (c, k) => {
      const record = (await uploaded(c, k)).Records[0];
      return { Records: [record, record] };
    },
    expect: (k) => ({ outcomes: [Outcome.copied, Outcome.skipCopy], backedUp: [k] }),
  },
  {
    name: 'a batch of valid, malformed and ignored records',
    event: async (c, k) => ({ Records: [(await uploaded(c, k)).Records[0], { eventSource: 'aws:s3' }, { ...s3Record(c.inbox, k), eventName: 'ObjectRemoved:Delete' }] }),
    expect: (k) => ({ outcomes: [Outcome.copied], malformed: 1, ignored: 1, backedUp: [k] }),
  },
  {
    name: 'a batch of 100 records',
    event: async (c, k) => ({ Records: await Promise.all(Array.from({ length: 100 }, async (_, i) => (await uploaded(c, `${k}${i}.txt`)).Records[0])) }),
    expect: (k) => ({ outcomes: Array.from({ length: 100 }, () => Outcome.copied), backedUp: [`${k}0.txt`, `${k}99.txt`] }),
  },
];
