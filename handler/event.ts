import { z } from 'zod';

/** One ObjectCreated record, decoded and ready to act on. */
export type ObjectCreated = {
  readonly bucket: string;
  readonly key: string;
  readonly eventName: string;
  readonly versionId?: string;
  readonly sequencer?: string;
  readonly size?: number;
};

export type Ignored = { readonly index: number; readonly reason: string; readonly eventName?: string };
export type Malformed = { readonly index: number; readonly reason: string };

export type ParsedEvent = {
  readonly records: ObjectCreated[];
  readonly ignored: Ignored[];
  readonly malformed: Malformed[];
};

const S3Record = z.object({
  eventSource: z.literal('aws:s3'),
  eventName: z.string().min(1),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().nonnegative().optional(),
      versionId: z.string().min(1).optional(),
      sequencer: z.string().regex(/^[0-9A-Fa-f]+$/).optional(),
    }),
  }),
});

/** S3 form-URL-encodes keys in events: a space arrives as `+`, a literal `+` as `%2B`. */
export function decodeKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/**
 * Splits an S3 event into records to back up, records to ignore (test events, other event types) and
 * malformed records. A bad record never takes the others down with it.
 */
export function parseS3Event(event: unknown): ParsedEvent {
  const records: ObjectCreated[] = [];
  const ignored: Ignored[] = [];
  const malformed: Malformed[] = [];

  if (typeof event !== 'object' || event === null) {
    return { records, ignored, malformed: [{ index: -1, reason: 'the event is not an object' }] };
  }
  const envelope = event as { Records?: unknown; Event?: unknown };
  if (envelope.Records === undefined) {
    if (envelope.Event === 's3:TestEvent') {
      return { records, ignored: [{ index: -1, reason: 'S3 test event', eventName: 's3:TestEvent' }], malformed };
    }
    return { records, ignored, malformed: [{ index: -1, reason: 'the event has no Records' }] };
  }
  if (!Array.isArray(envelope.Records)) {
    return { records, ignored, malformed: [{ index: -1, reason: 'Records is not a list' }] };
  }

  envelope.Records.forEach((raw: unknown, index) => {
    const parsed = S3Record.safeParse(raw);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      malformed.push({ index, reason: `${first?.path.join('.') || 'record'}: ${first?.message ?? 'invalid'}` });
      return;
    }
    const { eventName, s3 } = parsed.data;
    if (!eventName.startsWith('ObjectCreated:')) {
      ignored.push({ index, reason: 'not an ObjectCreated event', eventName });
      return;
    }
    let key: string;
    try {
      key = decodeKey(s3.object.key);
    } catch {
      malformed.push({ index, reason: `s3.object.key: not valid URL encoding: ${s3.object.key.slice(0, 200)}` });
      return;
    }
    records.push({
      bucket: s3.bucket.name,
      key,
      eventName,
      versionId: s3.object.versionId,
      sequencer: s3.object.sequencer,
      size: s3.object.size,
    });
  });
  return { records, ignored, malformed };
}
