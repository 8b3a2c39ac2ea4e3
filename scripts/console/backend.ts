import type { KeyFinding, Repair } from '../lib/reconcile.js';
import type { InboxOnlyVersion } from '../lib/unbacked.js';
import type { ParkedEvent, QueueRedrive, Unreadable } from '../lib/redrive.js';
import type { BackupVersionInfo, PlannedRestore, RestoreResult } from '../lib/restore.js';
import type { TargetName } from '../lib/targets.js';
import type { RecentBackups } from './backups.js';
import type { Receipt } from './receipts.js';
import type { TargetReports } from './reports.js';

/** Where the console acts: the target, and the account and region its requests reach. */
/** Where the console works; `endpoint` is an emulator's (none on aws), for the commands its advice gives. */
export type Place = { readonly target: TargetName; readonly region: string; readonly account: string; readonly endpoint?: string };

/** Whether the function runs the artefact this checkout built. */
export type ArtefactView = {
  /** dist/handler.zip's sha256 (hex), or why there is none. */
  readonly localSha256?: string;
  readonly localProblem?: string;
  /** The function's CodeSha256 (base64), or why it could not be read. */
  readonly liveCodeSha256?: string;
  readonly liveProblem?: string;
  /** Known only when both are. */
  readonly runsLocal?: boolean;
};

export type StackView =
  /**
   * No stack, or one that names nothing to read (a failed create, another's, one without the kit's outputs): what is
   * wrong and what to type, as the verbs say it.
   */
  | { readonly state: 'absent'; readonly stackName: string; readonly advice: string }
  | { readonly state: 'unusable'; readonly stackName: string; readonly status: string; readonly advice: string }
  | {
      /** The stack names its resources, and the console reads them. */
      readonly state: 'ready';
      readonly stackName: string;
      readonly status: string;
      readonly statusReason?: string;
      readonly outputs: Readonly<Record<string, string>>;
      readonly artefact: ArtefactView;
      /**
       * Its state refuses the actions that change something (a failed update rollback, a failed delete, an operation
       * under way): that state and the way out, as the verbs' `note:` says it. Its pages read all the same.
       */
      readonly trouble?: string;
    };

export type ParkedList = {
  readonly parked: readonly ParkedEvent[];
  readonly unreadable: readonly Unreadable[];
  /** Messages another reader hides (a redrive running or interrupted, another tab listing): not listed now. */
  readonly hiddenElsewhere: number;
  /** The listing outlasted its hold on the messages (a large queue): some parked events may not be listed. */
  readonly listedInPart?: true;
};

/** Something the page could not read, in words: the rest of the page is still shown. */
export type Problem = { readonly problem: string };

export type Overview = {
  readonly stack: StackView;
  /** Present once the stack is ready. */
  readonly backups?: (RecentBackups & { readonly search: string; readonly receiptsSince: Date }) | Problem;
  readonly parked?: ParkedList | Problem;
  readonly reports: readonly TargetReports[];
};

export type KeyVersions = {
  readonly key: string;
  readonly backupBucket: string;
  /** None when the stack is gone, not ready or in trouble: a restore then names where it goes. */
  readonly inboxBucket?: string;
  /** Why the backups kept after the stack are read instead of the stack's (as `make restore` says it). */
  readonly fallback?: string;
  /** The stack's state refuses a restore into its inbox, and how to recover (StackView's `trouble`): its page reads all the same. */
  readonly trouble?: string;
  /** The backup version this page follows: it shows the versions older than that one (the newest without it). */
  readonly after?: string;
  /** Older versions follow this page's last: the next page follows this version. */
  readonly olderAfter?: string;
  /** The version the page was to follow is no longer a backup of the key (expired, or deleted): nothing is listed. */
  readonly afterGone?: true;
  /** No backup of the key, but backups under the folder of its name (docs/ typed for docs/a.txt): a folder was typed. */
  readonly folderOfKeys?: true;
  /**
   * The page's versions, each with its receipt, and `otherBytes` where it names an inbox version as its source but holds other
   * bytes than the inbox keeps for it: not written by the function (tampered?), as `make restore LIST=1` marks it.
   */
  readonly versions: readonly (BackupVersionInfo & { readonly receipt: Receipt; readonly otherBytes?: boolean })[];
};

/**
 * A restore of one backup version, as the page asks for it; `force` only after the owner confirmed the overwrite
 * of the object whose ETag is `overwriting` (what the question showed them).
 */
export type RestoreAsk = {
  readonly key: string;
  readonly version: string;
  readonly to?: string;
  readonly force: boolean;
  readonly overwriting?: string;
  /** The version id of what the question showed: the same bytes written again since have the same ETag. */
  readonly overwritingVersion?: string;
};

export type RestoreOutcome =
  /** The destination exists: nothing was written, the owner is asked first. */
  | { readonly kind: 'confirm'; readonly item: PlannedRestore }
  | {
      readonly kind: 'done';
      readonly results: readonly RestoreResult[];
      /** The stack's inbox, which its function watches: a copy written there under any folder is backed up again. */
      readonly inboxBucket?: string;
    };

export type ReconcileRun = {
  readonly prefix?: string;
  readonly findings: readonly KeyFinding[];
  /** Earlier inbox versions no backup holds, in this inbox bucket: absent when the inbox's history was not read. */
  readonly inboxOnly?: readonly InboxOnlyVersion[];
  readonly inboxBucket?: string;
  readonly repairs: readonly Repair[];
  /**
   * When keys need repair: the events waiting in the failed-events queue (a repair leaves those of the keys it made
   * good there, and a missing key may be one of theirs), or why they could not be counted.
   */
  readonly parkedWaiting?: number | Problem;
  /** A report on a stack in trouble, which refuses a repair: its state and the way out (StackView's `trouble`). */
  readonly trouble?: string;
  /** Nothing was under the folder, whose name, typed without its slash, is a key the inbox or the backups hold. */
  readonly prefixIsKey?: boolean;
  /**
   * When the inbox's notification does not hand every upload to the function (`leavesUploadsOut`), or could not be
   * read: what that means and how to set it back, as `make reconcile` says it.
   */
  readonly handover?: { readonly problem: string; readonly leavesUploadsOut: boolean };
  /** When a repair left keys wrong on the embedded emulator while faults are set there: the note that names them. */
  readonly faultsNote?: string;
};

/** What the console shows and does; the live one talks to the target, tests give their own. */
export type ConsoleBackend = {
  readonly place: Place;
  overview(search: string): Promise<Overview>;
  /** A page of a key's backup versions, newest first: the newest, or those older than its backup version `after`. */
  keyVersions(key: string, after?: string): Promise<KeyVersions>;
  /** Redrives the parked events of these message ids, or all of them. */
  redrive(messageIds: readonly string[] | undefined): Promise<ConsoleRedrive>;
  /** `history`: also the earlier inbox versions no backup holds (reads every backup version of such keys). */
  reconcile(prefix: string | undefined, fix: boolean, history?: boolean): Promise<ReconcileRun>;
  restore(ask: RestoreAsk): Promise<RestoreOutcome>;
};

/**
 * A redrive as the console reports it: with, when an event failed again on the embedded emulator while faults are set
 * there, the note that names them and the `curl -X DELETE` that clears them (their errors blame S3 alone).
 */
export type ConsoleRedrive = QueueRedrive & { readonly faultsNote?: string };

export const isProblem = (value: object): value is Problem => 'problem' in value;
