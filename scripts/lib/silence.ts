import { describeError } from '../../handler/errors.js';
import { stoppedAnswering } from './cli.js';
import type { TargetName } from './targets.js';

/**
 * A batch of requests to one target (reconcile's repairs, a restore's copies) that starts no other once one found the
 * target silent or gone: each would wait out its own time limits to fail the same way.
 */
export class SilenceWatch {
  private heard?: string;

  constructor(private readonly target?: TargetName) {}

  /** Why no other request starts (`not tried: …`), once one found the target silent; undefined until then. */
  get notTried(): string | undefined {
    return this.heard === undefined ? undefined : `not tried: ${this.heard}`;
  }

  /** The words of a failed request's error: the silence with what to check, when it was that (noted for the rest), or undefined. */
  silenceIn(error: unknown): string | undefined {
    const hint = stoppedAnswering(error, this.target);
    if (!hint) return undefined;
    const silence = `the target stopped answering (${describeError(error)}); ${hint}`;
    this.heard ??= silence;
    return silence;
  }
}

/**
 * A request's answer, with `note` called once if it has not come within `afterMs`: a follower that polls (make logs)
 * would otherwise print nothing for the minutes its SDK's attempts take against a silent target.
 */
export async function notedIfSilent<T>(request: Promise<T>, afterMs: number, note: () => void): Promise<T> {
  const timer = setTimeout(note, afterMs);
  try {
    return await request;
  } finally {
    clearTimeout(timer);
  }
}
