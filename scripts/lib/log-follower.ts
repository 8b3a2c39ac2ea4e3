import type { Stack } from '@aws-sdk/client-cloudformation';
import type { FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { shownLines } from '../../handler/shown-name.js';
import { awsCli } from './aws-cli.js';
import { deployVerb, isDeleting, recoveryAdvice, stackStatusLine } from './stack-state.js';
import { TargetName, type Target } from './targets.js';

/** CloudWatch Logs takes each log stream in on its own, often seconds late: every read goes this far back again. */
const INGESTION_LOOKBACK_MS = 120_000;

/**
 * What `make logs` shows of each read of a log group: the events it has not shown yet, in time order. Reads start at
 * the start asked for until a line is shown, then a lookback before the newest line shown (never before the start),
 * so that a line of one environment that arrives after a later line of another is still shown; what falls out of the
 * lookback is forgotten. The lines' own times decide, not this machine's clock: one running ahead of the log's would
 * otherwise read a window where no line is yet.
 */
export class LogFollower {
  private readonly shown = new Map<string, number>();
  private newestMs: number | undefined;

  constructor(
    private readonly startMs: number,
    private readonly lookbackMs = INGESTION_LOOKBACK_MS,
  ) {}

  /** Where the next read begins. */
  since(): number {
    return this.newestMs === undefined ? this.startMs : Math.max(this.startMs, this.newestMs - this.lookbackMs);
  }

  /** The events of a read that began at `sinceMs` not shown before, oldest first. */
  fresh(events: readonly FilteredLogEvent[], sinceMs: number): FilteredLogEvent[] {
    for (const [id, timestamp] of this.shown) if (timestamp < sinceMs) this.shown.delete(id);
    const unseen = events.filter((event) => event.eventId !== undefined && !this.shown.has(event.eventId));
    for (const event of unseen) {
      const timestamp = event.timestamp ?? sinceMs;
      this.shown.set(event.eventId!, timestamp);
      this.newestMs = Math.max(this.newestMs ?? timestamp, timestamp);
    }
    return unseen.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
  }
}

/**
 * An event as `make logs` prints it: its time, then its message with every control character escaped but its tabs
 * and line breaks. A carriage return is a line break here: the Node runtime joins the lines of one console call
 * with them, so that it stays one event.
 */
export function logLine(event: FilteredLogEvent): string {
  return `${new Date(event.timestamp ?? 0).toISOString()}  ${shownLines((event.message ?? '').replace(/\r\n?/g, '\n').trimEnd())}`;
}

/**
 * What `make logs` says, once, of the function's log group deleted while its stack stands. Both emulators make it again
 * at the function's next invocation, whatever its role allows; Lambda makes a missing group only for a role with
 * logs:CreateLogGroup, which the template's does not grant (it may only write into the group its stack made), so on AWS
 * the function's lines are lost until the group is made again by hand.
 */
export function deletedGroupNotice(target: Pick<Target, 'name'>, logGroupName: string, retentionDays: string | undefined): string {
  if (target.name !== TargetName.aws) return `${logGroupName} was deleted; the function's next invocation makes it again: waiting for it`;
  const retention = retentionDays
    ? `, then \`${awsCli(`logs put-retention-policy --log-group-name ${logGroupName} --retention-in-days ${retentionDays}`)}\` (the stack's LogRetentionDays)`
    : '';
  return (
    `${logGroupName} was deleted, and the function cannot make it again (its role may only write into the group its stack made, not create one): ` +
    `every line it logs is lost until the group is back. Make it again: \`${awsCli(`logs create-log-group --log-group-name ${logGroupName}`)}\`${retention}; waiting for it`
  );
}

/** What `make logs` does when its log group is not there: stop, saying why and what to run, or wait for it, said once. */
export type MissingGroup = { readonly stop: string } | { readonly wait: string };

/** What `make logs` does about its log group gone, by the stack as it is now (undefined: gone too). */
export function missingGroup(target: Pick<Target, 'name' | 'region'>, logGroupName: string, retentionDays: string | undefined, stack: Stack | undefined): MissingGroup {
  if (!stack) return { stop: `${logGroupName} is gone with its stack: \`${deployVerb(target)}\` makes both again` };
  // A delete under way or failed took it with the stack's other resources: nothing makes it again, and waiting never ends.
  const status = stack.StackStatus ?? '';
  if (isDeleting(status)) {
    return { stop: `${logGroupName} is gone with the stack's delete (${stackStatusLine(target, stack)}): ${recoveryAdvice(target, stack.StackName ?? '?', status)}` };
  }
  // Deleted by hand: followed again once it is back (made by the function's next invocation on the emulators, by hand on AWS).
  return { wait: deletedGroupNotice(target, logGroupName, retentionDays) };
}
