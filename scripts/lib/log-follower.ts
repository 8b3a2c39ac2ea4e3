import type { FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { shownLines } from '../../handler/shown-name.js';

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
