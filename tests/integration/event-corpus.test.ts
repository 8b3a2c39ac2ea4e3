import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BackupMetadata } from '../../handler/provenance.js';
import { functionLogLines } from '../../scripts/lib/observe.js';
import { invokeFunction } from '../../scripts/lib/invoke.js';
import { waitFor } from '../../scripts/lib/wait.js';
import { eventCorpus, type CorpusContext } from './support/event-corpus.js';
import { printEmulatorLogOnFailure, startEmbeddedStack, type EmbeddedStack } from './support/embedded.js';

let stack: EmbeddedStack | undefined;
let context: CorpusContext;
const started = Date.now();
const live = () => {
  if (!stack) throw new Error('the emulator did not start');
  return { ...stack.deployment.clients, outputs: stack.deployment.outputs };
};

beforeAll(async () => {
  stack = await startEmbeddedStack({ namePrefix: 'kit-corpus-it' });
  const { s3, outputs } = live();
  // Only the corpus' own events reach the function: the inbox's notification would race them with real ones.
  await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: outputs.InboxBucketName, NotificationConfiguration: {} }));
  context = {
    inbox: outputs.InboxBucketName,
    backup: outputs.BackupBucketName,
    upload: async (key, body) => (await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }))).VersionId!,
    remove: async (key) => {
      await s3.send(new DeleteObjectCommand({ Bucket: outputs.InboxBucketName, Key: key }));
    },
  };
});
afterAll(async () => {
  await stack?.emulator.stop();
});
beforeEach(() => printEmulatorLogOnFailure(() => stack));

const head = (bucket: string, key: string) => live().s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);

describe(`a corpus of ${eventCorpus.length} event and key shapes, through the deployed function`, () => {
  it.each(eventCorpus.map((entry, i) => [entry.name, i] as const))('takes %s without failing, with its logged outcome, copying nothing wrongly', async (_name, index) => {
    // Prepare
    const entry = eventCorpus[index]!;
    const key = `corpus/${index}/`;
    const expected = entry.expect(key);
    const event = await entry.event(context, key);
    // Act
    const invocation = await invokeFunction(live().lambda, live().outputs.BackupFunctionName, event);
    // Assess
    expect(invocation.functionError, JSON.stringify(invocation.payload)).toBeUndefined();
    expect(invocation.payload).toEqual({ outcomes: expected.outcomes, ignored: expected.ignored ?? 0, malformed: expected.malformed ?? 0 });
    for (const backedUp of expected.backedUp ?? []) {
      const [inbox, backup] = await Promise.all([head(context.inbox, backedUp), head(context.backup, backedUp)]);
      expect(backup?.Metadata?.[BackupMetadata.sourceVersionId], backedUp).toBe(inbox?.VersionId);
      const bytes = await live().s3.send(new GetObjectCommand({ Bucket: context.backup, Key: backedUp }));
      expect(bytes.ContentLength).toBe(inbox?.ContentLength);
    }
    for (const absent of expected.notBackedUp ?? []) expect(await head(context.backup, absent), absent).toBeUndefined();
  });

  it('logged a line for every malformed, ignored and decided record', async () => {
    // Prepare
    const expected = eventCorpus.map((entry, i) => entry.expect(`corpus/${i}/`));
    const total = (pick: (e: ReturnType<(typeof eventCorpus)[number]['expect']>) => number) => expected.reduce((sum, e) => sum + pick(e), 0);
    const wanted = { malformed: total((e) => e.malformed ?? 0), ignored: total((e) => e.ignored ?? 0), decided: total((e) => e.outcomes.length) };
    // Act
    const lines = await waitFor('every corpus line in the log group', async () => {
      const all = await functionLogLines(live().logs, live().outputs.LogGroupName, started - 60_000);
      const counted = {
        malformed: all.filter((l) => l.outcome === 'malformed').length,
        ignored: all.filter((l) => l.outcome === 'ignored').length,
        decided: all.filter((l) => l.message === 'backup decision').length,
      };
      return counted.malformed >= wanted.malformed && counted.ignored >= wanted.ignored && counted.decided >= wanted.decided ? counted : undefined;
    }, { timeoutMs: 15_000, intervalMs: 250 });
    // Assess
    expect(lines).toEqual(wanted);
  });
});
