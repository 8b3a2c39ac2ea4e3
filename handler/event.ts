/** One ObjectCreated record, decoded and ready to act on. */
export type ObjectCreated = {
  readonly bucket: string;
  readonly key: string;
  readonly eventName: string;
  readonly versionId?: string;
  readonly sequencer?: string;
  readonly size?: number;
  /** The SQS message that carried the record (the outermost one): SQS delivers it again under a new Lambda request. */
  readonly sqsMessageId?: string;
};

export type Ignored = { readonly index: number; readonly reason: string; readonly eventName?: string };
/** `key`: the object's key where the record names one (as S3 encodes it when it cannot be decoded), for the log. */
export type Malformed = { readonly index: number; readonly reason: string; readonly key?: string };

export type ParsedEvent = {
  readonly records: ObjectCreated[];
  readonly ignored: Ignored[];
  readonly malformed: Malformed[];
};

type Json = Record<string, unknown>;

/** Envelopes inside envelopes (S3 → SNS → SQS) are unwrapped this deep, no deeper. */
const MAX_NESTING = 3;
const hex = /^[0-9A-Fa-f]+$/;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const nonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** S3 form-URL-encodes keys in its notifications: a space arrives as `+`, a literal `+` as `%2B`. */
export function decodeKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

class Collector {
  readonly records: ObjectCreated[] = [];
  readonly ignored: Ignored[] = [];
  readonly malformed: Malformed[] = [];
  ignore(index: number, reason: string, eventName?: string): void {
    this.ignored.push({ index, reason, ...(eventName ? { eventName } : {}) });
  }
  reject(index: number, reason: string, key?: string): void {
    this.malformed.push({ index, reason, ...(key !== undefined ? { key } : {}) });
  }
}

/** The optional fields that only inform (a wrong one is treated as absent, never as a reason to drop the upload). */
function informational(object: Json): Pick<ObjectCreated, 'sequencer' | 'size'> {
  const { sequencer, size } = object;
  return {
    ...(typeof sequencer === 'string' && hex.test(sequencer) ? { sequencer } : {}),
    ...(typeof size === 'number' && Number.isFinite(size) && size >= 0 ? { size } : {}),
  };
}

/** What an envelope adds to the records inside it. */
type Carrier = Pick<ObjectCreated, 'sqsMessageId'>;

/** A record's key as the log names it: decoded, or as S3 sent it when it cannot be; undefined when there is none. */
function namedKey(encoded: unknown): string | undefined {
  if (!nonEmptyString(encoded)) return undefined;
  try {
    return decodeKey(encoded);
  } catch {
    return encoded;
  }
}

function s3Record(raw: Json, index: number, out: Collector, carrier: Carrier): void {
  const { eventName, s3 } = raw;
  const bucket = isObject(s3) && isObject(s3.bucket) ? s3.bucket.name : undefined;
  const object = isObject(s3) && isObject(s3.object) ? s3.object : undefined;
  // A record dropped for another field still names its upload, which `make reconcile` then finds without a backup.
  const named = namedKey(object?.key);
  if (!nonEmptyString(eventName)) return out.reject(index, 'eventName: missing', named);
  if (!nonEmptyString(bucket)) return out.reject(index, 's3.bucket.name: missing', named);
  if (!object || !nonEmptyString(object.key)) return out.reject(index, 's3.object.key: missing');
  if (object.versionId !== undefined && !nonEmptyString(object.versionId)) return out.reject(index, 's3.object.versionId: not a version id', named);
  if (!eventName.startsWith('ObjectCreated:')) return out.ignore(index, 'not an ObjectCreated event', eventName);
  let key: string;
  try {
    key = decodeKey(object.key);
  } catch {
    return out.reject(index, `s3.object.key: not valid URL encoding: ${object.key.slice(0, 200)}`, object.key);
  }
  out.records.push({ bucket, key, eventName, ...(object.versionId ? { versionId: object.versionId } : {}), ...informational(object), ...carrier });
}

/** S3 → EventBridge: the key arrives as it is, not form-URL-encoded. */
function eventBridgeRecord(raw: Json, index: number, out: Collector, carrier: Carrier): void {
  const detailType = String(raw['detail-type'] ?? '');
  if (detailType !== 'Object Created') return out.ignore(index, 'not an Object Created event from EventBridge', detailType);
  const detail = isObject(raw.detail) ? raw.detail : {};
  const bucket = isObject(detail.bucket) ? detail.bucket.name : undefined;
  const object = isObject(detail.object) ? detail.object : undefined;
  const named = object && nonEmptyString(object.key) ? object.key : undefined;
  if (!nonEmptyString(bucket)) return out.reject(index, 'detail.bucket.name: missing', named);
  if (!object || !named) return out.reject(index, 'detail.object.key: missing');
  const versionId = object['version-id'];
  if (versionId !== undefined && !nonEmptyString(versionId)) return out.reject(index, 'detail.object.version-id: not a version id', named);
  out.records.push({ bucket, key: named, eventName: 'ObjectCreated:EventBridge', ...(versionId ? { versionId } : {}), ...informational(object), ...carrier });
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function envelope(event: unknown, index: number, depth: number, out: Collector, carrier: Carrier): void {
  if (!isObject(event)) return out.reject(index, 'the event is not an object');
  if (depth > MAX_NESTING) return out.reject(index, `envelopes nested more than ${MAX_NESTING} deep`);
  if (event.Event === 's3:TestEvent') return out.ignore(index, 'S3 test event', 's3:TestEvent');
  if (event.source === 'aws.s3' && 'detail-type' in event) return eventBridgeRecord(event, index, out, carrier);
  if (event.Type === 'Notification' && 'Message' in event) return wrapped(event.Message, index, depth, out, 'SNS message', carrier);
  if (event.Records === undefined) return out.reject(index, 'the event has no Records');
  if (!Array.isArray(event.Records)) return out.reject(index, 'Records is not a list');
  event.Records.forEach((raw: unknown, position) => {
    const at = depth === 0 ? position : index;
    if (!isObject(raw)) return out.reject(at, 'the record is not an object');
    if (raw.eventSource === 'aws:s3') return s3Record(raw, at, out, carrier);
    if (raw.eventSource === 'aws:sqs') {
      // The outermost SQS message is the one whose redeliveries the function sees.
      const outermost = carrier.sqsMessageId === undefined && nonEmptyString(raw.messageId) ? { sqsMessageId: raw.messageId } : carrier;
      return wrapped(raw.body, at, depth, out, 'SQS message body', outermost);
    }
    if (raw.EventSource === 'aws:sns' && isObject(raw.Sns)) return wrapped(raw.Sns.Message, at, depth, out, 'SNS message', carrier);
    return out.reject(at, `not an S3 record (eventSource ${JSON.stringify(raw.eventSource ?? raw.EventSource ?? null)})`);
  });
}

function wrapped(text: unknown, index: number, depth: number, out: Collector, what: string, carrier: Carrier): void {
  const inner = parseJson(text);
  if (inner === undefined) return out.reject(index, `${what}: not JSON`);
  envelope(inner, index, depth + 1, out, carrier);
}

/**
 * Splits an event into records to back up, records to ignore (test events, other event types) and malformed
 * records. S3 notifications arrive directly, or wrapped by SQS, SNS or EventBridge. A bad record never takes
 * the others down with it.
 */
export function parseS3Event(event: unknown): ParsedEvent {
  const out = new Collector();
  envelope(event, -1, 0, out, {});
  return { records: out.records, ignored: out.ignored, malformed: out.malformed };
}
