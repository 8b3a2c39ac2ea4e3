import { createInterface } from 'node:readline/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { noCredentialsAdvice } from './aws-sign-in.js';
import { isNetworkError } from './network-error.js';
import { TargetName } from './targets.js';

/** Exit codes the scripts share: 0 done, 1 the operation failed, 2 the command line or setup is wrong, 130 Ctrl-C. */
/** `outputClosed`: the output's reader went away mid-run (`… | head`), the code a process ended by SIGPIPE reports. */
export const ExitCode = { ok: 0, failed: 1, usage: 2, interrupted: 130, outputClosed: 141 } as const;

/** What a thrown value says: an Error's message, anything else as a string. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error)).replace(SDK_LOG_PREFIX, '');

/** The SDK's own log prefix on some of its errors' messages (`@smithy/node-http-handler - [ERROR] a request has …`). */
const SDK_LOG_PREFIX = /^@smithy\/[\w-]+ - \[\w+\] /;

/** A wrong command line or set-up: the script exits with ExitCode.usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Ctrl-C at a question, which the script treats as not answered: it exits with ExitCode.interrupted. */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

/**
 * A script's command line: commander's own usage errors (unknown option, value outside its choices, a parser's
 * refusal) print what was wrong and exit with ExitCode.usage instead of commander's 1.
 */
export function scriptCommand(name: string, description: string): Command {
  return new Command()
    .name(name)
    .description(description)
    .showHelpAfterError(`(run \`node --import tsx scripts/${name}.ts --help\` for every option)`)
    .exitOverride((error) => process.exit(error.exitCode === 0 ? ExitCode.ok : ExitCode.usage));
}

/** --target, from the command line or the TARGET variable; only the three target names are accepted. */
export function targetOption(): Option {
  return new Option('-t, --target <target>', 'where to act').choices(Object.values(TargetName)).default(TargetName.embedded).env('TARGET');
}

const explicitYes = /^(1|yes|true)$/i;

/** Whether a switch's value is an explicit yes: 1, yes or true (any case, blanks around it ignored). */
export const isExplicitYes = (value: string): boolean => explicitYes.test(value.trim());

/** A parser that takes only an explicit yes (1 / yes / true) for the make variable `variable` (script flag `--flag`). */
function explicitYesFor(variable: string, flag: string, leftOut: string): (value: string) => true {
  return (value) => {
    if (isExplicitYes(value)) return true;
    throw new InvalidArgumentError(`"${value}" is not an explicit yes: confirm with ${variable}=1 (make) or --${flag} (script), or leave it out ${leftOut}.`);
  };
}

/**
 * Only an explicit yes confirms: `--yes` alone or with 1 / yes / true. Any other value (YES=0, YES=no …) is a
 * usage error rather than a silent confirmation or a silent refusal.
 */
export const parseYes = explicitYesFor('YES', 'yes', 'to be asked');

/**
 * --yes [answer]: see parseYes. `leftOut` says what leaving it out does, for a script that refuses without it rather
 * than asks (destroy, the matrix): "to be asked" sent the owner to a refusal.
 */
export function yesOption(description: string, leftOut?: string): Option {
  return new Option('-y, --yes [answer]', description).argParser(leftOut ? explicitYesFor('YES', 'yes', leftOut) : parseYes).default(false);
}

/**
 * A switch that make passes on as `--flag=<value>` from `variable` (e.g. DELETE_BACKUPS=1 → --delete-backups=1):
 * like --yes, only an explicit yes turns it on and any other value is a usage error.
 */
export function switchOption(flag: string, variable: string, description: string): Option {
  return new Option(`--${flag} [answer]`, description).argParser(explicitYesFor(variable, flag, 'for no')).default(false);
}

/** A parser for a whole number within bounds; `example` shows what to type. */
export function wholeNumber(min: number, max: number, example: string): (value: string) => number {
  return (value) => {
    const parsed = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`Give a whole number from ${min} to ${max}, e.g. ${example}.`);
    }
    return parsed;
  };
}

/**
 * The same for a repeatable option: collects every parsed value. One value may hold several, separated by
 * spaces or commas (make hands `CASE="3 4"` on as one --case); a blank one is refused like any other.
 */
export function wholeNumbers(min: number, max: number, example: string): (value: string, previous: number[] | undefined) => number[] {
  const parse = wholeNumber(min, max, example);
  return (value, previous) => {
    const parts = value.split(/[\s,]+/).filter((part) => part !== '');
    return [...(previous ?? []), ...(parts.length > 0 ? parts : [value]).map(parse)];
  };
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;
const ZONELESS_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;
/** An offset without its colon, as `date +%FT%T%z` writes it (+0100), which JavaScript does not read. */
const COLONLESS_OFFSET = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?[+-]\d{2})(\d{2})$/;

/**
 * A parser for an ISO 8601 time with its zone, or a date (UTC midnight, as JavaScript reads one). A time without a
 * zone is refused: JavaScript would read it in the machine's zone, which a restore to a point in time must not guess.
 */
export function isoTime(example: string): (value: string) => Date {
  return (value) => {
    const text = value.trim();
    if (ZONELESS_TIME.test(text)) throw new InvalidArgumentError(`"${value}" has no time zone: add Z for UTC or an offset such as +01:00, e.g. ${example}.`);
    const colonless = COLONLESS_OFFSET.exec(text);
    if (colonless) throw new InvalidArgumentError(`"${value}" writes its offset without a colon, as \`date +%z\` does: write it ${colonless[1]}:${colonless[2]} (or \`date --iso-8601=seconds\`), e.g. ${example}.`);
    const fields = ISO_TIME.exec(text);
    const time = fields ? new Date(text) : undefined;
    if (!fields || !time || Number.isNaN(time.getTime())) throw new InvalidArgumentError(`"${value}" is not an ISO 8601 time, e.g. ${example}.`);
    // JavaScript rolls 2026-02-30 over to March 2 and 24:00 to the next day: a time must be one the calendar has.
    // (JavaScript refuses a 60th minute or second and a 24-hour offset by itself.)
    const [year, month, day, hour] = fields.slice(1, 5).map((field) => Number(field ?? 0)) as [number, number, number, number];
    const calendarDay = new Date(Date.UTC(year, month - 1, day));
    const exists = calendarDay.getUTCMonth() === month - 1 && calendarDay.getUTCDate() === day && hour < 24;
    if (!exists) throw new InvalidArgumentError(`"${value}" is not a time the calendar has (a month has at most 31 days, a day 24 hours), e.g. ${example}.`);
    return time;
  };
}

/** A parser that refuses an empty or blank value; `example` shows what to type. */
export function nonEmpty(example: string): (value: string) => string {
  return (value) => {
    if (value.trim() === '') throw new InvalidArgumentError(`It must not be empty, e.g. ${example}.`);
    return value;
  };
}

/** An object key as typed: only an empty one is refused, as S3 takes a key made only of spaces like any other name. */
export function objectKey(example: string): (value: string) => string {
  return (value) => {
    if (value === '') {
      throw new InvalidArgumentError(`It must not be empty, e.g. ${example}. (make drops a value's leading spaces: a key made only of spaces goes with node --import tsx and the option, quoted.)`);
    }
    return value;
  };
}

/** Asks a yes/no question on a terminal; without one, the answer is no (use --yes in scripts). Ctrl-C there is Interrupted. */
export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await prompt.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } catch (error) {
    // readline rejects the question with an AbortError when Ctrl-C is typed at it.
    if ((error as Error).name === 'AbortError') {
      process.stdout.write('\n');
      throw new Interrupted(`interrupted at the question "${question}", which was not answered`);
    }
    throw error;
  } finally {
    prompt.close();
  }
}

/** A second signal sooner than this after the first is the same one again: tsx relays SIGINT and SIGTERM to its
 * child, which a signal sent to the whole process group (Ctrl-C, a CI job's cancel) has reached already. */
const RELAYED_SIGNAL_MS = 500;

/** The interruptions in force, which the output's reader going away stops as a first Ctrl-C does. */
const stopsWhenOutputCloses = new Set<() => void>();

/**
 * A signal that the first Ctrl-C, or SIGTERM (a CI job cancelled, a service manager), aborts, so that a script can
 * finish what it must and hand back what it holds (`notice` says so on stderr); a second one stops the script at
 * once, with exit code 130.
 */
export function interruption(notice: string): AbortSignal {
  const controller = new AbortController();
  let firstAt: number | undefined;
  const stop = (reason: string) => {
    firstAt = Date.now();
    console.error(`${reason}: ${notice} (Ctrl-C again stops at once)`);
    controller.abort();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstAt === undefined) {
      stop(signal === 'SIGTERM' ? 'stopping (SIGTERM)' : 'interrupted');
    } else if (Date.now() - firstAt > RELAYED_SIGNAL_MS) {
      process.exit(ExitCode.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  stopsWhenOutputCloses.add(() => firstAt === undefined && stop("stopping: the output's reader has gone (EPIPE)"));
  return controller.signal;
}

/**
 * `make redrive DRY_RUN=1 | head`: once head has read its lines, every later line the script writes fails with EPIPE,
 * which Node raised as an unhandled error, a stack trace (and a dry run cut short so held its messages from every
 * other reader for 30 s). A script that can be interrupted stops as at a first Ctrl-C, handing back what it holds;
 * any other ends quietly, as a command whose reader has gone does, with 141 (`make logs | head` ends so).
 */
function onOutputError(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') throw error;
  // An error already printed (to a reader that has gone) keeps its exit code; otherwise the run was cut short, which
  // `set -o pipefail` should see as a command ended by SIGPIPE is seen.
  if (stopsWhenOutputCloses.size === 0) process.exit(process.exitCode || ExitCode.outputClosed);
  for (const stop of stopsWhenOutputCloses) stop();
}

/** What to check when the target took a request and gave no answer in time: an emulator's state, or on aws the network's or AWS's. */
export function silenceHint(target?: TargetName): string {
  return target === TargetName.aws
    ? 'the network is slow or was lost (a VPN, a proxy, a laptop that slept), or the region has trouble (https://health.aws.amazon.com says); run it again'
    : `is its emulator or LocalStack stopped or overloaded? The end of its log says (${targetLogs(target)})`;
}

/** Where an emulator's or LocalStack's own log is, for the target (both when it is not known). */
function targetLogs(target?: TargetName): string {
  const embedded = "the embedded emulator's .emulator/shared/emulator.log, or the terminal of a `make emulator` in the foreground";
  const localstack = "LocalStack's .localstack/host/localstack.log (in Docker: `docker compose logs localstack`)";
  return target === TargetName.embedded ? embedded : target === TargetName.localstack ? localstack : `${embedded}, or ${localstack}`;
}

/**
 * What to check when a target that answered at the start stops answering (a refused connection: the start-up
 * checks no longer help); undefined for any other error. On aws (`target`, the verb's) neither an emulator nor
 * LocalStack is in play: a refused or lost connection is the network's, a silence the network's or AWS's.
 */
export function stoppedAnswering(error: unknown, target?: TargetName): string | undefined {
  const { code, name, $metadata } = (error ?? {}) as { code?: string; name?: string; $metadata?: { httpStatusCode?: number } };
  // The SDK's time limit on an answer (clientsFor's answerWithinMs) ran out: the target took the request and is silent.
  const silent = name === 'TimeoutError' || code === 'ETIMEDOUT';
  // An answer the SDK could not read at all, 503: what LocalStack gives every request while it shuts down.
  const unavailable = (name === 'Unknown' || name === 'UnknownError') && $metadata?.httpStatusCode === 503;
  if (target === TargetName.aws) {
    if (silent) return `AWS took the request and did not answer in time: ${silenceHint(target)}`;
    // A reset connection was open: the request may have reached AWS and done its work before the answer was lost.
    if (code === 'ECONNRESET') return `the connection to AWS was cut before its answer (${code}), so what the last request did is not known: a VPN, proxy or firewall in the way, or a network that dropped? Run it again once AWS can be reached`;
    if (isNetworkError(error)) return `AWS was not reached (${code}): is this machine offline, or a VPN, proxy or firewall in the way? Run it again once AWS can be reached`;
    if (unavailable) return 'it answered 503 (Service Unavailable) without saying why: the service is unavailable for now (https://health.aws.amazon.com says whether the region has trouble); try again in a while';
    return undefined;
  }
  if (code === 'ECONNREFUSED') return 'is its emulator or LocalStack still running? (`make deploy` starts the embedded one, `make localstack-host` LocalStack without Docker, `make up` LocalStack in Docker)';
  if (silent) return `it took the request and did not answer in time: ${silenceHint(target)}`;
  if (unavailable) return `it answered 503 (Service Unavailable) without saying why: is its emulator or LocalStack shutting down, or is the service unavailable? The end of its log says (${targetLogs(target)}); try again in a while`;
  return undefined;
}

/**
 * Where to read why an emulator or LocalStack failed on a request: a 500 without an error the SDK can read, which it
 * names Unknown (a deploy said only `error: Unknown` when the embedded emulator's CloudFormation raised); undefined for
 * any other error, and on aws, whose 500s the SDK reads.
 */
export function failedInside(error: unknown, target?: TargetName): string | undefined {
  const { name, $metadata } = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (target === TargetName.aws || !(name === 'Unknown' || name === 'UnknownError') || $metadata?.httpStatusCode !== 500) return undefined;
  return `the target failed on the request (500 Internal Server Error) without saying why: the end of its log names the cause (${targetLogs(target)})`;
}

/**
 * The bucket S3 says does not exist (its NoSuchBucket names it), with what to do: S3's own message names none, and a
 * bucket of the stack's gone (deleted outside the kit) stops most verbs; undefined for any other error.
 */
export function missingBucket(error: unknown): string | undefined {
  const { name, BucketName } = (error ?? {}) as { name?: string; BucketName?: unknown };
  if (name !== 'NoSuchBucket') return undefined;
  const bucket = typeof BucketName === 'string' ? `s3://${BucketName}` : 'a bucket';
  return `${bucket} is gone (deleted outside the kit?): \`make destroy\` says what deleting its stack would lose and how to keep it, and a deploy after it creates the stack's buckets again`;
}

/**
 * What the queue SQS says does not exist is, with what to do: SQS's message names neither, and the only queue the verbs
 * read is the stack's failed-events queue (deleted outside the kit, as the deploy's drift check names it); undefined
 * for any other error.
 */
export function missingQueue(error: unknown): string | undefined {
  if (!/^(QueueDoesNotExist|AWS\.SimpleQueueService\.NonExistentQueue)$/.test((error as { name?: string } | undefined)?.name ?? '')) return undefined;
  return "the stack's failed-events queue is gone (deleted outside the kit?), so no failing event can be parked: `make destroy` says what deleting its stack would lose and how to keep it, and a deploy after it creates the queue again";
}

/**
 * The set-up to do when the SDK found no AWS credentials (a set-up error, exit 2); undefined for any other error.
 */
function missingCredentials(error: unknown): string | undefined {
  if ((error as { name?: string } | undefined)?.name !== 'CredentialsProviderError') return undefined;
  return `no AWS credentials were found for TARGET=aws: ${noCredentialsAdvice(process.env.AWS_PROFILE)}, and run it again`;
}

/**
 * Runs a script's main function: errors print their message (no stack for expected failures) and set the exit code;
 * `target` (the verb's, when it has one) words the hint for a target that stopped answering.
 */
export function run(main: () => Promise<number | void>, target?: TargetName): void {
  // stderr too: with `2>&1 | head` the first write to fail may be the stop's own notice, which crashed the hand-back.
  for (const output of [process.stdout, process.stderr]) if (!output.listeners('error').includes(onOutputError)) output.on('error', onOutputError);
  main().then(
    (code) => {
      process.exitCode = code ?? ExitCode.ok;
    },
    (error: unknown) => {
      const message = messageOf(error);
      const hint = stoppedAnswering(error, target);
      const gone = missingBucket(error) ?? missingQueue(error);
      const signIn = missingCredentials(error);
      const inside = failedInside(error, target);
      console.error(`error: ${message}${hint ? `: the target stopped answering; ${hint}` : ''}${inside ? `: ${inside}` : ''}${gone ? `: ${gone}` : ''}${signIn ? `: ${signIn}` : ''}`);
      if (process.env.BACKUP_KIT_DEBUG && error instanceof Error) console.error(error.stack);
      process.exitCode = error instanceof UsageError || signIn ? ExitCode.usage : error instanceof Interrupted ? ExitCode.interrupted : ExitCode.failed;
    },
  );
}
