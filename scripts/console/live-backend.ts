import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { readArtefact } from '../lib/artefact.js';
import type { Clients } from '../lib/clients.js';
import { missingBucket, stoppedAnswering } from '../lib/cli.js';
import { faultsLeftNote } from '../lib/emulator-faults.js';
import { keptBackupSource, restoreSourceOf } from '../lib/kept-backups.js';
import { requireDeployedStack, requireReadableStack, stackReadiness, stackToRead, type DeployedStack, type ReadableStack } from '../lib/deployed-stack.js';
import type { Parameters } from '../lib/parameters.js';
import { handoverProblem, inboxHandover, leavesUploadsOut } from '../lib/inbox-handover.js';
import { queueDepth } from '../lib/queue-depth.js';
import { repairable, repairOutcome, repairThroughFunction } from '../lib/reconcile.js';
import { reconcileInbox, retentionDaysOf } from '../lib/unbacked.js';
import { holdsKeysUnder } from '../lib/bucket-listing.js';
import { LISTING_VISIBILITY_SECONDS, redriveQueue, redriveVisibilitySeconds } from '../lib/redrive.js';
import { backupsWithOtherBytes, copySettingsOf, executeRestore, listBackupVersionsPage, planRestore, RestoreAction, SkipReason, type PlannedRestore } from '../lib/restore.js';
import { outputsOf } from '../lib/stack.js';
import { StackNeedsRecovery } from '../lib/stack-state.js';
import type { Target, TargetName } from '../lib/targets.js';
import type { ArtefactView, ConsoleBackend, ConsoleRedrive, KeyVersions, Overview, Place, Problem, StackView } from './backend.js';
import { recentBackups } from './backups.js';
import { readReceiptLog, receiptLogStart, receiptOf, ReceiptState } from './receipts.js';
import { readReports } from './reports.js';
import { describeError } from '../../handler/errors.js';

export type LiveBackendOptions = {
  readonly account: string;
  readonly reportsDir: string;
  /** How far back the function's log is read for receipts. */
  readonly receiptWindowMs: number;
  /** How many keys the overview shows. */
  readonly shownKeys: number;
  /** How many backup versions a key's page shows; a link leads to the older ones (KEY_PAGE_VERSIONS by default). */
  readonly keyPageVersions?: number;
  /** Parameters that name another stack than the target's parameter file does (tests use their own NamePrefix). */
  readonly overrides?: Parameters;
  /**
   * The console stopping: a redrive, a repair or a restore under way ends the item it is on and hands back the rest
   * (parked events made visible again, repairs and copies not started), as `make redrive` and `make restore` do at a Ctrl-C.
   */
  readonly stopping?: AbortSignal;
};

/**
 * A key's page shows this many of its backup versions, newest first, and links to the older ones: each is read with a
 * HeadObject (its source), and a HeadObject of the inbox checks its bytes, so a page of a long history is read in a
 * fraction of a second where all of a thousand took seconds (on the embedded emulator, 25 of a key's 1,050 versions
 * in 0.4-0.6 s, 50 in 0.5-0.8 s, all of them in 8-13 s).
 */
export const KEY_PAGE_VERSIONS = 25;

/**
 * A part of a page that could not be read, said in the page; a target that stopped answering is the whole page's 503
 * (on aws a lost network too: a name that does not resolve, a connection reset).
 */
const problemOf = (target: TargetName) => (error: unknown): Problem => {
  if (stoppedAnswering(error, target)) throw error;
  const gone = missingBucket(error);
  return { problem: `${(error as Error).name}: ${(error as Error).message}${gone ? `: ${gone}` : ''}` };
};

async function artefactOf(clients: Clients, functionName: string): Promise<ArtefactView> {
  let local: { sha256: string; codeSha256: string } | undefined;
  let localProblem: string | undefined;
  try {
    local = await readArtefact();
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    localProblem = missing ? 'no dist/handler.zip in this checkout: `make build` makes it' : (error as Error).message;
  }
  let liveCodeSha256: string | undefined;
  let liveProblem: string | undefined;
  try {
    liveCodeSha256 = (await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))).CodeSha256;
  } catch (error) {
    liveProblem = describeError(error);
  }
  const runsLocal = local && liveCodeSha256 ? liveCodeSha256 === local.codeSha256 : undefined;
  return { localSha256: local?.sha256, localProblem, liveCodeSha256, liveProblem, runsLocal };
}

/** The console's view of the target: every read and every action goes through the kit's own libraries. */
export function liveBackend(target: Target, clients: Clients, options: LiveBackendOptions): ConsoleBackend {
  const place: Place = { target: target.name, region: target.region, account: options.account, endpoint: target.endpoint };
  /** Redrives running, by the message ids asked for ('' for all of them). */
  const redrivesUnderWay = new Map<string, Promise<ConsoleRedrive>>();
  /**
   * The last read of the failed-events queue asked for: a redrive, or the overview's listing, receives the whole queue,
   * which hides its messages from any other, so they take turns.
   */
  let queueTurn: Promise<unknown> = Promise.resolve();
  const inQueueTurn = <T,>(read: () => Promise<T>): Promise<T> => {
    const turn = queueTurn.catch(() => undefined).then(read);
    queueTurn = turn;
    return turn;
  };

  async function stackView(): Promise<{ view: StackView; stack?: DeployedStack; createdAt?: Date }> {
    // A stack in trouble is read while it names its resources, as the verbs that only read read it; its actions are refused.
    const toRead = stackToRead(target, await stackReadiness(target, clients, options.overrides));
    if (!toRead.readable) {
      const { stackName, stack, problem } = toRead;
      return { view: stack ? { state: 'unusable', stackName, status: stack.StackStatus ?? '?', advice: problem.message } : { state: 'absent', stackName, advice: problem.message } };
    }
    const { stack, deployed } = toRead;
    const artefact = await artefactOf(clients, deployed.outputs.BackupFunctionName);
    const trouble = deployed.trouble ? { trouble: deployed.trouble } : {};
    return {
      view: { state: 'ready', stackName: deployed.stackName, status: stack.StackStatus ?? '?', statusReason: stack.StackStatusReason, outputs: outputsOf(stack), artefact, ...trouble },
      stack: deployed,
      createdAt: stack.CreationTime,
    };
  }

  const receiptsSince = (stackCreated: Date | undefined, parameters: DeployedStack['parameters']) =>
    receiptLogStart(options.receiptWindowMs, new Date(), stackCreated, parameters.LogRetentionDays === undefined ? undefined : Number(parameters.LogRetentionDays));

  return {
    place,

    async overview(search) {
      const [{ view, stack, createdAt }, reports] = await Promise.all([stackView(), readReports(options.reportsDir)]);
      if (!stack) return { stack: view, reports };
      const { outputs } = stack;
      const since = receiptsSince(createdAt, stack.parameters);
      // The log is read for the keys shown only, from the oldest of their sources on (receipts.ts).
      const backups: Promise<Overview['backups']> = recentBackups(clients.s3, outputs.BackupBucketName, search, options.shownKeys, (shown) =>
        readReceiptLog(clients.logs, outputs.LogGroupName, since, shown),
      )
        .then((recent) => ({ ...recent, search, receiptsSince: since }))
        .catch(problemOf(target.name));
      // SQS has no read that leaves a message untouched: listing receives each one, which hides it for a moment
      // (a receive that hides nothing cannot page past the first ten), then makes it visible again at once. That is
      // why the console answers no request another site started (guard.ts).
      // A redrive of this console's under way holds the messages: the page does not wait for it to end.
      const parked: Promise<Overview['parked']> =
        redrivesUnderWay.size > 0
          ? Promise.resolve({ problem: 'a redrive is under way in this console, holding its messages: reload this page once it has ended' })
          : inQueueTurn(() =>
              redriveQueue(clients.sqs, clients.lambda, {
                queueUrl: outputs.FailedEventsQueueUrl,
                functionName: outputs.BackupFunctionName,
                visibilitySeconds: LISTING_VISIBILITY_SECONDS,
                dryRun: true,
              }),
            ).catch(problemOf(target.name));
      // Both awaited together: one failing (the target stopped answering) leaves the other's failure handled too.
      const [backupsRead, parkedRead] = await Promise.all([backups, parked]);
      return { stack: view, backups: backupsRead, parked: parkedRead, reports };
    },

    async keyVersions(key, after) {
      const page = { after, versions: options.keyPageVersions ?? KEY_PAGE_VERSIONS };
      // A key with no backup at all may be a folder's name: said so, as make restore says it of KEY=docs/.
      const folderTyped = async (backupBucket: string, listed: number, following?: string) =>
        listed === 0 && following === undefined && key !== '/' && (await holdsKeysUnder(clients.s3, backupBucket, key)) ? { folderOfKeys: true as const } : {};
      // A stack in trouble still names its inbox and its log: its versions are read as a ready stack's are.
      const toRead = stackToRead(target, await stackReadiness(target, clients, options.overrides));
      if (!toRead.readable) {
        // As make restore does: the backups the stack kept are there without it (lib/kept-backups.ts).
        const { buckets, fallback } = await keptBackupSource(target, clients, toRead, options.account);
        const receipt = { state: ReceiptState.unknown, detail: 'the function’s log is gone with its stack' };
        const { versions, ...paging } = await listBackupVersionsPage(clients.s3, buckets.backupBucket, key, page);
        return {
          key,
          backupBucket: buckets.backupBucket,
          fallback,
          ...(after !== undefined ? { after } : {}),
          ...paging,
          ...(await folderTyped(buckets.backupBucket, versions.length, after)),
          versions: versions.map((version) => ({ ...version, receipt })),
        };
      }
      const { outputs, parameters, trouble } = toRead.deployed;
      const { versions, ...paging } = await listBackupVersionsPage(clients.s3, outputs.BackupBucketName, key, page);
      const since = receiptsSince(toRead.stack.CreationTime, parameters);
      const [receipts, otherBytes] = await Promise.all([
        // The log is read for the versions shown only: their key's lines, from the oldest of their sources on (receipts.ts).
        readReceiptLog(clients.logs, outputs.LogGroupName, since, versions.map((version) => ({ ...version.provenance, key, backedUpAt: version.backedUpAt }))),
        // The owner picks a version to restore here: one another hand wrote is marked, as LIST=1 marks it.
        backupsWithOtherBytes(clients.s3, outputs.InboxBucketName, key, versions),
      ]);
      return {
        key,
        backupBucket: outputs.BackupBucketName,
        // A restore into the inbox of a stack in trouble is refused (restore below): the page offers none.
        ...(trouble ? { trouble } : { inboxBucket: outputs.InboxBucketName }),
        ...(after !== undefined ? { after } : {}),
        ...paging,
        ...(await folderTyped(outputs.BackupBucketName, versions.length, after)),
        versions: versions.map((version) => ({
          ...version,
          receipt: receiptOf(receipts, key, version.provenance.sourceVersionId, version.backedUpAt),
          ...(otherBytes.has(version.versionId) ? { otherBytes: true } : {}),
        })),
      };
    },

    redrive(messageIds) {
      // A second click (or tab) asking for the redrive under way gets its result, not a run that finds it all hidden.
      const asked = messageIds?.join(' ') ?? '';
      const underWay = redrivesUnderWay.get(asked);
      if (underWay) return underWay;
      const redrive = inQueueTurn(async () => {
        const { outputs, parameters } = await requireDeployedStack(target, clients, options.overrides);
        const redrive = await redriveQueue(clients.sqs, clients.lambda, {
          queueUrl: outputs.FailedEventsQueueUrl,
          functionName: outputs.BackupFunctionName,
          inboxBucket: outputs.InboxBucketName,
          backups: { s3: clients.s3, backupBucket: outputs.BackupBucketName },
          visibilitySeconds: redriveVisibilitySeconds(parameters),
          choose: messageIds === undefined ? undefined : (event) => messageIds.includes(event.messageId),
          signal: options.stopping,
        });
        // As make redrive says it: the faults the README's recipe sets, its DELETE forgotten, fail every redrive.
        const faultsNote = redrive.results.some((result) => result.error) ? await faultsLeftNote(target) : undefined;
        return faultsNote ? { ...redrive, faultsNote } : redrive;
      }).finally(() => redrivesUnderWay.delete(asked));
      redrivesUnderWay.set(asked, redrive);
      return redrive;
    },

    async reconcile(prefix, fix, history) {
      // A report only reads, and serves a stack in trouble too while it names its buckets; a repair hands work to its function.
      const { outputs, parameters, trouble }: ReadableStack = fix ? await requireDeployedStack(target, clients, options.overrides) : await requireReadableStack(target, clients, options.overrides);
      const buckets = { inboxBucket: outputs.InboxBucketName, backupBucket: outputs.BackupBucketName };
      const { findings, inboxOnly, prefixIsKey } = await reconcileInbox(clients.s3, buckets, { prefix, target: target.name, history, retentionDays: retentionDaysOf(parameters) });
      const problems = findings.filter((finding) => repairable.has(finding.finding));
      const repairs =
        fix && problems.length > 0 ? await repairThroughFunction(clients.s3, clients.lambda, outputs.BackupFunctionName, buckets, target.region, problems, undefined, options.stopping, target.name) : [];
      // Only the queue's counts are read, as make reconcile's note does: no message is received, none hidden from a redrive.
      const parkedWaiting = problems.length > 0 ? await queueDepth(clients.sqs, outputs.FailedEventsQueueUrl).catch(problemOf(target.name)) : undefined;
      const faultsNote = repairOutcome(repairs).remaining.length > 0 ? await faultsLeftNote(target) : undefined;
      const handover = await inboxHandover(clients.s3, buckets.inboxBucket, outputs.BackupFunctionArn);
      const handoverText = handoverProblem(handover, buckets.inboxBucket, outputs.BackupFunctionArn, target.endpoint);
      // Read or not, the history's versions are none without it: only one that was read may say that each has a backup.
      return {
        prefix,
        ...(prefixIsKey ? { prefixIsKey } : {}),
        findings,
        ...(history ? { inboxOnly } : {}),
        inboxBucket: buckets.inboxBucket,
        repairs,
        ...(parkedWaiting !== undefined ? { parkedWaiting } : {}),
        ...(trouble ? { trouble } : {}),
        ...(handoverText ? { handover: { problem: handoverText, leavesUploadsOut: leavesUploadsOut(handover) } } : {}),
        ...(faultsNote ? { faultsNote } : {}),
      };
    },

    async restore(ask) {
      const readiness = await stackReadiness(target, clients, options.overrides);
      // make restore names no inbox for a stack in trouble: a restore into it waits for the recovery, said with the advice
      // a redrive or a repair gets (it said "its stack is gone", and TO=); a bucket named is written meanwhile, as TO= is.
      if (!readiness.usable && ask.to === undefined && stackToRead(target, readiness).readable) {
        throw new StackNeedsRecovery(`${readiness.problem.message}. Until then a restore goes into a bucket/prefix you name, not into the inbox: nothing was done.`);
      }
      // The stack's buckets, or the backups it kept when it is gone or in trouble (then the ask names where to restore).
      const { buckets, parameters } = await restoreSourceOf(target, clients, readiness, options.account);
      const plan = await planRestore(clients.s3, buckets, { key: ask.key, version: ask.version, to: ask.to, force: ask.force, owner: options.account, target: target.name, endpoint: target.endpoint });
      // An occupied destination is asked about; after a yes, so is anything there other than what the question
      // showed (a second click after the first overwrote it, a new upload).
      const showed = (item: PlannedRestore) => item.occupiedBy === ask.overwriting && item.occupiedByVersion === ask.overwritingVersion;
      const toAsk = plan.find((item) => item.skipped === SkipReason.exists || (item.action === RestoreAction.overwrite && !showed(item)));
      if (toAsk) return { kind: 'confirm', item: toAsk };
      const watched = buckets.inboxBucket ? { inboxBucket: buckets.inboxBucket } : {};
      if (plan.every((item) => item.action === RestoreAction.skip)) return { kind: 'done', results: plan, ...watched };
      return { kind: 'done', results: await executeRestore(clients.s3, { ...copySettingsOf(parameters), endpoint: target.endpoint, target: target.name }, buckets.backupBucket, plan, undefined, options.stopping), ...watched };
    },
  };
}
