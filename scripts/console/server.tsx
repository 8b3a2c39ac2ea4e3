import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import type { JSX } from 'hono/jsx/jsx-runtime';
import { asFolder, folderOfKey } from '../lib/bucket-listing.js';
import { isExplicitYes, missingBucket, stoppedAnswering, UsageError } from '../lib/cli.js';
import { NothingKept } from '../lib/kept-backups.js';
import { repairOutcome } from '../lib/reconcile.js';
import { leftUndone, redriveFailed, type QueueRedrive } from '../lib/redrive.js';
import { RestoreRequestError, SkipReason, type RestoreResult } from '../lib/restore.js';
import { StackNeedsRecovery } from '../lib/stack-state.js';
import { TargetName } from '../lib/targets.js';
import { checkedNothing } from '../lib/unbacked.js';
import { shownName } from '../../handler/shown-name.js';
import type { ConsoleBackend } from './backend.js';
import { isLocalHost, isSameOrigin, isSameSecret, isStartedElsewhere, sessionToken } from './guard.js';
import { addressWithoutLogin, LOGIN_PARAMETER, sessionCookieName, sessionCookieOptions } from './login.js';
import { matrixHtmlName } from './reports.js';
import { consoleStyles } from './styles.js';
import type { Session } from './views/layout.js';
import { KeyPage } from './views/key-page.js';
import { LoginNeededPage } from './views/login-needed.js';
import { OverviewPage } from './views/overview.js';
import { ProblemPage, ReconcilePage, RedrivePage, RestoreConfirmPage, RestoreDonePage } from './views/results.js';

export type ConsoleAppOptions = {
  readonly backend: ConsoleBackend;
  /** The token this run of the console puts into its forms. */
  readonly token: string;
  /** The secret of the address this run prints (loginAddress): opening it logs a browser in. */
  readonly login: string;
  /** Where `make matrix` and `make bench` leave their reports. */
  readonly reportsDir: string;
};

/** No scripts at all; styles and forms only from the console itself; never framed. */
const pagePolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/** The self-contained matrix page carries its styles inline. */
const reportPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

type Form = Record<string, string | File | (string | File)[]>;

/**
 * A form field as typed, or undefined when blank or not text. Never trimmed: a key or prefix may begin or end
 * with a space, and a trimmed one names another object.
 */
function field(form: Form, name: string): string | undefined {
  const value = form[name];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/**
 * A ticked box: true on an explicit yes (yes, 1 or true), false when absent or blank, and the field's own value when
 * it is anything else, which is refused rather than read as a no.
 */
function switchField(form: Form, name: string): boolean | { readonly refused: string } {
  const value = field(form, name);
  if (value === undefined) return false;
  return isExplicitYes(value) ? true : { refused: `${name}=${value} is not an explicit yes (yes, 1 or true): nothing was done.` };
}

/**
 * An object key as the forms send it (percent-encoded: keyFieldValue), or undefined when empty: a key may be made
 * only of spaces, which S3 takes as a name.
 */
function keyField(form: Form, name: string): string | undefined {
  const value = form[name];
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    throw new UsageError(`the ${name} field is not percent-encoded as the console's forms send it: pick the key on its page`);
  }
}

const page = async (c: Context, node: JSX.Element, status: 200 | 400 | 403 | 404 | 409 | 413 | 500 | 503 = 200) => c.html(`<!doctype html>\n${await node}`, status);

/** The status of a restore that did not happen, by why: every reason is decided here, a new one included. */
const skippedStatus = {
  [SkipReason.noBackup]: 404,
  [SkipReason.backupGone]: 404,
  [SkipReason.absentAtTime]: 404,
  [SkipReason.exists]: 409,
  [SkipReason.writtenMeanwhile]: 409,
  [SkipReason.interrupted]: 500,
  [SkipReason.ambiguousAtTime]: 409,
  [SkipReason.occupantUnbacked]: 409,
  [SkipReason.keyTooLong]: 409,
  [SkipReason.alreadyThere]: 200,
} as const satisfies Record<SkipReason, 200 | 404 | 409 | 500>;

/**
 * A redrive's status, as make redrive's exit code: 500 when an event was left undone (failed again, archived, a version
 * not backed up or unchecked) or not reached; 409 when another reader held some or the queue was not listed whole.
 */
function redriveStatus(redrive: QueueRedrive): 200 | 409 | 500 {
  if (!redriveFailed(redrive)) return 200;
  const unfinished = redrive.stoppedBy !== undefined || redrive.interrupted.length > 0;
  return unfinished || redrive.results.some(leftUndone) ? 500 : 409;
}

/**
 * A finished restore's status: 500 for a failed copy or one written without its tags (as `make restore` fails for
 * either), else that of the first restore that did not happen, else 200.
 */
function restoreStatus(results: readonly RestoreResult[]): 200 | 404 | 409 | 500 {
  if (results.some((result) => result.error || result.tagsNotSet)) return 500;
  const skipped = results.find((result) => result.skipped !== undefined && result.skipped !== SkipReason.alreadyThere)?.skipped;
  return skipped === undefined ? 200 : skippedStatus[skipped];
}

/** The largest form body the console reads. */
export const MAX_FORM_BYTES = 1024 * 1024;

/** The console's web application: pages that read, and forms that act through the kit's libraries. */
export function consoleApp({ backend, token, login, reportsDir }: ConsoleAppOptions): Hono {
  const session: Session = { token, place: backend.place };
  // What a logged-in browser's cookie holds: not the login secret itself, which stays in the owner's terminal.
  const sessionCookie = sessionToken();
  const problem = (c: Context, status: 400 | 403 | 404 | 409 | 413 | 500 | 503, title: string, message: string) => page(c, <ProblemPage title={title} message={message} session={session} />, status);
  const app = new Hono();

  app.use('*', async (c, next) => {
    if (!isLocalHost(c.req.header('host'))) return c.text('The backup-kit console answers only at 127.0.0.1 or localhost.', 403);
    if (isStartedElsewhere(c.req.header('sec-fetch-site'))) {
      return c.text('The backup-kit console answers only its own pages, and addresses typed or opened here: another site started this request, and nothing was done.', 403);
    }
    await next();
    // Set on every answer, the login's refusal and redirect included.
    if (!c.res.headers.has('Content-Security-Policy')) c.header('Content-Security-Policy', pagePolicy);
    c.header('X-Content-Type-Options', 'nosniff');
    // Not no-referrer: under it a browser sends `Origin: null` with a form, and every action would be refused.
    c.header('Referrer-Policy', 'same-origin');
    // Pages carry the session token: no cache keeps them.
    c.header('Cache-Control', 'no-store');
  });

  // Every request needs this run's login: the printed address, which sets the cookie and is sent on without the secret
  // (a redirect, so that the address bar, a bookmark or a copied link does not carry it), or the cookie it set.
  app.use('*', async (c, next) => {
    const cookieName = sessionCookieName(c.req.header('host')!);
    const given = c.req.query(LOGIN_PARAMETER);
    if (given !== undefined) {
      if (!isSameSecret(given, login)) return page(c, <LoginNeededPage />, 403);
      setCookie(c, cookieName, sessionCookie, sessionCookieOptions);
      return c.redirect(addressWithoutLogin(c.req.url), 303);
    }
    if (!isSameSecret(getCookie(c, cookieName), sessionCookie)) return page(c, <LoginNeededPage />, 403);
    await next();
  });

  // A form of the console's own pages is small (the longest, a redrive of every listed event, about 37 bytes an event):
  // a larger body is read no further. Its fields were echoed into the answer, an 18 MB form into a 360 MB page.
  app.post(
    '*',
    bodyLimit({
      maxSize: MAX_FORM_BYTES,
      onError: (c) =>
        problem(c, 413, 'Form too large', `The form is larger than the console takes (${MAX_FORM_BYTES / 1024 / 1024} MiB), which its own pages send only for a redrive of some 25,000 parked events or more: \`make redrive\` takes any number. Nothing was done.`),
    }),
  );

  // Every action posts: from the console's own page (Origin), with this run's token, and on aws with the account named.
  app.post('*', async (c, next) => {
    if (!isSameOrigin(c.req.header('origin'), c.req.header('host'))) {
      return problem(c, 403, 'Refused', 'Actions are taken only from the console’s own pages: this request came from elsewhere, and nothing was done.');
    }
    const form = await c.req.parseBody().catch(() => undefined);
    if (!form) return problem(c, 400, 'Cannot read the form', 'The request’s body is not a form the console can read: send it from the console’s own page. Nothing was done.');
    if (!isSameSecret(form.token, token)) {
      return problem(c, 403, 'Refused', 'This form is not from this run of the console (it may be from one that has stopped): reload the page and try again. Nothing was done.');
    }
    await next();
  });

  /** Whether a writing action may go on: on aws only once the owner typed the account id. */
  const confirmedAccount = (form: Form) => backend.place.target !== TargetName.aws || field(form, 'confirmAccount')?.trim() === backend.place.account;
  const notConfirmed = (c: Context) =>
    problem(c, 400, 'Not confirmed', `This writes to AWS account ${backend.place.account} (${backend.place.region}): type that account id to confirm. Nothing was done.`);

  app.get('/', async (c) => page(c, <OverviewPage overview={await backend.overview(c.req.query('q') ?? '')} session={session} />));

  app.get('/key', async (c) => {
    const key = c.req.query('key');
    if (!key) return problem(c, 400, 'Which key?', 'Name a key: /key?key=<key>, or pick one in the overview.');
    // A blank `after` is the newest page, as no `after` is.
    const view = await backend.keyVersions(key, c.req.query('after') || undefined);
    return page(c, <KeyPage view={view} session={session} />, view.versions.length === 0 ? 404 : 200);
  });

  app.post('/redrive', async (c) => {
    const form = await c.req.parseBody();
    if (!confirmedAccount(form)) return notConfirmed(c);
    // One message id, or the ones the page listed ("Redrive all N": not events parked since, which the owner has not
    // seen); neither means all of them. A blank one is a mistake, not a wish to redrive everything.
    const messageId = field(form, 'messageId');
    const listed = field(form, 'listed')?.trim().split(/\s+/);
    if ((messageId === undefined && 'messageId' in form) || (listed === undefined && 'listed' in form)) {
      return problem(c, 400, 'Which event?', 'A blank message id names no parked event: press Redrive on its row in the overview, or "Redrive all". Nothing was done.');
    }
    const asked = messageId !== undefined ? [messageId] : listed;
    const redrive = await backend.redrive(asked);
    // An event asked for that the run did not receive: redriven or deleted since the page showed it, or held by another reader.
    const notReceived = (asked ?? []).filter((id) => !redrive.parked.some((event) => event.messageId === id) && !redrive.unreadable.some((item) => item.messageId === id));
    const status = redriveStatus(redrive);
    return page(c, <RedrivePage redrive={redrive} notReceived={notReceived} session={session} />, notReceived.length > 0 && status === 200 ? 409 : status);
  });

  app.post('/reconcile', async (c) => {
    const form = await c.req.parseBody();
    const fix = switchField(form, 'fix');
    if (typeof fix !== 'boolean') return problem(c, 400, 'Repair?', fix.refused);
    const history = switchField(form, 'history');
    if (typeof history !== 'boolean') return problem(c, 400, "With the inbox's history?", history.refused);
    if (fix && !confirmedAccount(form)) return notConfirmed(c);
    const run = await backend.reconcile(field(form, 'prefix'), fix, history);
    if (checkedNothing(run.prefix, { findings: run.findings, inboxOnly: run.inboxOnly ?? [] })) {
      const hint = run.prefixIsKey && run.prefix
        ? `${shownName(run.prefix)} is a key, not a folder: the folder field names a folder (${shownName(folderOfKey(run.prefix))} checks the one it is in)`
        : 'check the folder’s name (a blank folder checks everything)';
      return problem(c, 404, 'Nothing there', `nothing under ${shownName(asFolder(run.prefix)!)} in the inbox or the backups: ${hint}`);
    }
    // A check that finds keys to repair is a report; a repair that leaves keys wrong failed, as make reconcile says.
    return page(c, <ReconcilePage run={run} session={session} />, repairOutcome(run.repairs).remaining.length > 0 ? 500 : 200);
  });

  app.post('/restore', async (c) => {
    const form = await c.req.parseBody();
    const key = keyField(form, 'key');
    const version = field(form, 'version');
    if (!key || !version) return problem(c, 400, 'Which version?', 'A restore names a key and one of its backup versions: pick one on the key’s page.');
    if (!confirmedAccount(form)) return notConfirmed(c);
    // Left empty, the destination is the inbox; only spaces name no bucket, and are no wish for the inbox either.
    if (typeof form.to === 'string' && form.to !== '' && form.to.trim() === '') {
      return problem(c, 400, 'Restore where?', 'The destination is only spaces, which names no bucket: leave it empty to restore into the inbox, or name a bucket (bucket/folder). Nothing was done.');
    }
    const force = switchField(form, 'force');
    if (typeof force !== 'boolean') return problem(c, 400, 'Overwrite?', force.refused);
    const ask = { key, version, to: field(form, 'to'), force, overwriting: field(form, 'overwriting'), overwritingVersion: field(form, 'overwritingVersion') };
    const outcome = await backend.restore(ask);
    // Asked again after a yes: the destination was written since the question, and nothing was (409, as the README says).
    if (outcome.kind === 'confirm') return page(c, <RestoreConfirmPage item={outcome.item} ask={ask} session={session} />, ask.force && ask.overwriting !== undefined ? 409 : 200);
    // A bucket/prefix named may be the inbox's own bucket, under a folder: the function backs that copy up too.
    const intoInbox = ask.to === undefined || outcome.results.some((result) => result.destination.bucket === outcome.inboxBucket);
    return page(c, <RestoreDonePage results={outcome.results} intoInbox={intoInbox} session={session} />, restoreStatus(outcome.results));
  });

  app.get('/console.css', (c) => c.body(consoleStyles, 200, { 'Content-Type': 'text/css; charset=utf-8' }));

  app.get('/reports/:name', async (c) => {
    const target = Object.values(TargetName).find((name) => matrixHtmlName(name) === c.req.param('name'));
    const html = target && (await readFile(join(reportsDir, matrixHtmlName(target)), 'utf8').catch(() => undefined));
    if (!html) return problem(c, 404, 'No such report', 'Only the matrix pages that `make matrix` wrote are served here.');
    c.header('Content-Security-Policy', reportPolicy);
    return c.html(html);
  });

  app.notFound((c) => problem(c, 404, 'Not found', 'The console has no such page.'));

  app.onError((error, c) => {
    if (error instanceof UsageError || error instanceof RestoreRequestError) return problem(c, 400, 'Cannot do that', error.message);
    if (error instanceof StackNeedsRecovery) return problem(c, 409, 'The stack needs recovery', error.message);
    if (error instanceof NothingKept) return problem(c, 404, 'Nothing to restore from', error.message);
    const hint = stoppedAnswering(error, backend.place.target);
    if (hint) return problem(c, 503, 'The target stopped answering', `${error.message}: ${hint}`);
    const gone = missingBucket(error);
    if (gone) return problem(c, 500, 'A bucket is gone', `${error.message}: ${gone}`);
    return problem(c, 500, 'Failed', `${error.name}: ${error.message}`);
  });

  return app;
}
