import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { Hono } from 'hono';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import type { ConsoleBackend, ConsoleRedrive, Overview, Place, ReconcileRun } from '../../scripts/console/backend.js';
import { NothingKept } from '../../scripts/lib/kept-backups.js';
import { readReceiptLog, receiptLinesFrom, receiptLinesPattern, receiptLogStart, receiptOf, ReceiptState, type ReceiptLog } from '../../scripts/console/receipts.js';
import { readReports } from '../../scripts/console/reports.js';
import { loginAddress } from '../../scripts/console/login.js';
import { consoleApp } from '../../scripts/console/server.js';
import { Finding } from '../../scripts/lib/reconcile.js';
import { RestoreAction, SkipReason, type RestoreResult } from '../../scripts/lib/restore.js';
import { StackNeedsRecovery } from '../../scripts/lib/stack-state.js';

const TOKEN = 'session-token-of-this-run';
const LOGIN = 'login-secret-of-this-run';
const HOST = '127.0.0.1:4600';
const ORIGIN = `http://${HOST}`;
const hostile = '<img src=x onerror=alert(1)>.txt';

const emptyOverview: Overview = { stack: { state: 'absent', stackName: 'backup-kit', advice: 'no stack backup-kit on embedded: deploy it first with `make deploy TARGET=embedded`' }, reports: [] };

function fakeBackend(place: Partial<Place> = {}, overview: Overview = emptyOverview) {
  const backend = {
    place: { target: 'embedded', region: 'us-east-1', account: '123456789012', ...place },
    overview: vi.fn(async () => overview),
    keyVersions: vi.fn(),
    // The events asked for are in the queue and left there (a dry run's answer), unless a test says otherwise.
    redrive: vi.fn(async (ids?: readonly string[]): Promise<ConsoleRedrive> => {
      const parked = (ids ?? []).map((messageId) => ({ ...parkedEvent, messageId }));
      return { messages: parked.length, parked, unreadable: [], results: [], notReleased: [], hiddenElsewhere: 0, interrupted: [] };
    }),
    reconcile: vi.fn(async (prefix?: string): Promise<ReconcileRun> => ({ prefix, findings: [{ key: `${prefix ?? ''}a.txt`, finding: Finding.ok, detail: 'same by checksum' }], repairs: [] })),
    restore: vi.fn(),
  } satisfies ConsoleBackend;
  const server = consoleApp({ backend, token: TOKEN, login: LOGIN, reportsDir: '/nonexistent' });
  return { backend, server, app: asOwner(server) };
}

/** The address the console printed for this run. */
const printedAddress = loginAddress(`http://${HOST}/`, LOGIN);

/**
 * The owner's browser: before its first request it opens the address the console printed, and it brings the cookie
 * that sets to every request after.
 */
function asOwner(server: Hono): { request(request: Request): Promise<Response> } {
  let cookie: Promise<string> | undefined;
  const logIn = async () => {
    const opened = await server.request(new Request(printedAddress, { headers: { host: HOST } }));
    const set = opened.headers.get('set-cookie');
    if (opened.status !== 303 || !set) throw new Error(`the printed address did not log in: ${opened.status} ${await opened.text()}`);
    return set.split(';')[0]!;
  };
  return {
    async request(request: Request) {
      cookie ??= logIn();
      const headers = new Headers(request.headers);
      headers.set('cookie', await cookie);
      return server.request(new Request(request, { headers }));
    },
  };
}

/** A page as the owner's browser asks for it. */
const pageAt = (path: string) => new Request(`http://${HOST}${path}`, { headers: { host: HOST } });
const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = { host: HOST, origin: ORIGIN }) =>
  new Request(`http://${HOST}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields) });

describe("the console's login: only a browser that opened the printed address", () => {
  const advice = 'opened the address it printed in its terminal';

  it('is answered: any other request gets 403 with the way in, and nothing of the target is read, shown or done', async () => {
    // Prepare: another user account of this machine reaches the port, but has no cookie (it cannot read the terminal)
    const { server, backend } = fakeBackend({ account: '111122223333' });
    // Act
    const refused = await Promise.all([
      server.request(pageAt('/')),
      server.request(pageAt('/key?key=a.txt')),
      server.request(pageAt('/console.css')),
      server.request(pageAt('/reports/matrix-embedded.html')),
      server.request(post('/redrive', { token: TOKEN })),
      server.request(post('/reconcile', { token: TOKEN, fix: 'yes' })),
      server.request(post('/restore', { token: TOKEN, key: 'a.txt', version: 'v1' })),
    ]);
    const html = await refused[0]!.text();
    // Assess
    expect(refused.map((response) => response.status)).toEqual([403, 403, 403, 403, 403, 403, 403]);
    expect(html).toContain(advice);
    expect(html).not.toContain('111122223333');
    expect(html).not.toContain(TOKEN);
    for (const read of [backend.overview, backend.keyVersions, backend.redrive, backend.reconcile, backend.restore]) expect(read).not.toHaveBeenCalled();
  });

  it('refuses a wrong secret, or the cookie of an earlier run, setting no cookie', async () => {
    // Prepare
    const { server, backend } = fakeBackend();
    // Act
    const guessed = await server.request(new Request(loginAddress(`http://${HOST}/`, 'a-guessed-secret'), { headers: { host: HOST } }));
    const empty = await server.request(new Request(`http://${HOST}/?login=`, { headers: { host: HOST } }));
    const earlierRun = await server.request(new Request(`http://${HOST}/`, { headers: { host: HOST, cookie: 'backup-kit-console-4600=a-cookie-of-an-earlier-run' } }));
    // Assess
    expect([guessed.status, empty.status, earlierRun.status]).toEqual([403, 403, 403]);
    expect(await guessed.text()).toContain(advice);
    expect([guessed, empty, earlierRun].map((response) => response.headers.get('set-cookie'))).toEqual([null, null, null]);
    expect(backend.overview).not.toHaveBeenCalled();
  });

  it('logs in with the right secret: a cookie, and a redirect to the same address without the secret', async () => {
    // Prepare: the printed address, and one for a key's page (its other parameters kept as written)
    const { server, backend } = fakeBackend();
    const keyAddress = `http://${HOST}/key?key=a%20b%2Bc.txt&${new URL(printedAddress).search.slice(1)}`;
    // Act
    const opened = await server.request(new Request(printedAddress, { headers: { host: HOST } }));
    const openedKey = await server.request(new Request(keyAddress, { headers: { host: HOST } }));
    const openedElsewhere = await server.request(new Request(`http://${HOST}//elsewhere.example/${new URL(printedAddress).search}`, { headers: { host: HOST } }));
    const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
    const overview = await server.request(new Request(`http://${HOST}/`, { headers: { host: HOST, cookie } }));
    // Assess
    expect([opened.status, openedKey.status]).toEqual([303, 303]);
    expect(opened.headers.get('location')).toBe('/');
    expect(openedKey.headers.get('location')).toBe('/key?key=a%20b%2Bc.txt');
    // A path that begins with two slashes stays on the console (as a Location, it would name another host)
    expect(openedElsewhere.headers.get('location')).toBe('/elsewhere.example/');
    expect(opened.headers.get('cache-control')).toBe('no-store');
    // The cookie holds a session of its own, not the secret of the printed address
    expect(cookie).toMatch(/^backup-kit-console-4600=[\w-]{43}$/);
    expect(cookie).not.toContain(LOGIN);
    expect(overview.status).toBe(200);
    expect(backend.overview).toHaveBeenCalledTimes(1);
  });

  it('sets an HttpOnly, SameSite=Strict cookie for every page, ending with the browser session, named after its port', async () => {
    // Prepare
    const { server } = fakeBackend();
    // Act
    const opened = await server.request(new Request(printedAddress, { headers: { host: HOST } }));
    const onAnotherPort = await server.request(new Request(loginAddress('http://127.0.0.1:4601/', LOGIN), { headers: { host: '127.0.0.1:4601' } }));
    // Assess
    const [nameAndValue, ...attributes] = opened.headers.get('set-cookie')!.split(';').map((part) => part.trim());
    expect(nameAndValue).toMatch(/^backup-kit-console-4600=/);
    expect(attributes.sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Strict']);
    // A second console (another target) on another port has a cookie of its own: logging in there keeps this one
    expect(onAnotherPort.headers.get('set-cookie')).toMatch(/^backup-kit-console-4601=/);
  });
});

describe('the console refuses what does not come from its own page', () => {
  it('answers only requests addressed to 127.0.0.1 or localhost (a re-pointed DNS name gets nothing)', async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    // Act
    const rebound = await app.request(new Request(`http://${HOST}/`, { headers: { host: 'attacker.example:4600' } }));
    const local = await app.request(new Request(`http://${HOST}/`, { headers: { host: 'localhost:4600' } }));
    // Assess
    expect(rebound.status).toBe(403);
    expect(local.status).toBe(200);
    expect(backend.overview).toHaveBeenCalledTimes(1);
  });

  it('answers no request a browser says another site started, so that no page elsewhere can make it list (and hide) parked events', async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    const get = (path: string, site?: string) => app.request(new Request(`http://${HOST}${path}`, { headers: { host: HOST, ...(site ? { 'sec-fetch-site': site } : {}) } }));
    // Act
    const refused = await Promise.all([get('/', 'cross-site'), get('/', 'same-site'), get('/console.css', 'cross-site'), get('/key?key=a.txt', 'cross-site')]);
    const action = await app.request(post('/redrive', { token: TOKEN }, { host: HOST, origin: ORIGIN, 'sec-fetch-site': 'cross-site' }));
    const answered = await Promise.all([get('/', 'same-origin'), get('/', 'none'), get('/')]);
    // Assess
    expect([...refused, action].map((response) => response.status)).toEqual([403, 403, 403, 403, 403]);
    expect(await refused[0]!.text()).toContain('another site');
    expect(backend.redrive).not.toHaveBeenCalled();
    expect(backend.keyVersions).not.toHaveBeenCalled();
    expect(answered.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(backend.overview).toHaveBeenCalledTimes(3);
  });

  it('refuses an action posted from another site, even with the right token', async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    // Act
    const crossSite = await app.request(post('/redrive', { token: TOKEN }, { host: HOST, origin: 'https://attacker.example' }));
    const noOrigin = await app.request(post('/redrive', { token: TOKEN }, { host: HOST }));
    // Assess
    expect(crossSite.status).toBe(403);
    expect(noOrigin.status).toBe(403);
    expect(await crossSite.text()).toContain('nothing was done');
    expect(backend.redrive).not.toHaveBeenCalled();
  });

  it('refuses an action without this run’s token', async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    // Act
    const wrong = await app.request(post('/redrive', { token: 'a-token-of-an-earlier-run' }));
    const missing = await app.request(post('/redrive', {}));
    // Assess
    expect([wrong.status, missing.status]).toEqual([403, 403]);
    expect(await wrong.text()).toContain('reload the page');
    expect(backend.redrive).not.toHaveBeenCalled();
  });

  it('answers a form it cannot read 400, doing nothing', async () => {
    // Prepare: a multipart body without its boundary
    const { app, backend } = fakeBackend();
    const broken = new Request(`http://${HOST}/redrive`, { method: 'POST', headers: { host: HOST, origin: ORIGIN, 'content-type': 'multipart/form-data' }, body: 'token=x' });
    // Act
    const response = await app.request(broken);
    // Assess
    expect(response.status).toBe(400);
    expect(backend.redrive).not.toHaveBeenCalled();
  });

  it('takes an action from its own page with the token', async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    // Act
    const response = await app.request(post('/redrive', { token: TOKEN, messageId: 'm-1' }));
    // Assess
    expect(response.status).toBe(200);
    expect(backend.redrive).toHaveBeenCalledWith(['m-1']);
  });

  it('puts the token into its forms and allows no script on its pages', async () => {
    // Prepare
    const { app } = fakeBackend({ target: 'embedded' }, { ...emptyOverview, stack: readyStack, parked: { parked: [parkedEvent], unreadable: [], hiddenElsewhere: 0 } });
    // Act
    const response = await app.request(pageAt(`/`));
    const html = await response.text();
    // Assess
    expect(html).toContain(`<input type="hidden" name="token" value="${TOKEN}"/>`);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('content-security-policy')).not.toContain('script-src');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});

describe('a target that stops answering', () => {
  it('is named as such, with what to check, instead of a bare connection error', async () => {
    // Prepare: the emulator went away after the console started
    const { app, backend } = fakeBackend({ target: 'embedded' });
    backend.keyVersions.mockRejectedValue(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4599'), { code: 'ECONNREFUSED' }));
    // Act
    const response = await app.request(pageAt(`/key?key=a.txt`));
    // Assess
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('connect ECONNREFUSED 127.0.0.1:4599: is its emulator or LocalStack still running? (`make deploy` starts the embedded one, `make localstack-host` LocalStack without Docker, `make up` LocalStack in Docker)');
  });

  it('on aws, is put down to the network or AWS, not to an emulator', async () => {
    // Prepare: the console on aws, whose request got no answer in time
    const { app, backend } = fakeBackend({ target: 'aws' });
    backend.keyVersions.mockRejectedValue(Object.assign(new Error('a request has exceeded the configured 60000 ms requestTimeout.'), { name: 'TimeoutError' }));
    // Act
    const response = await app.request(pageAt(`/key?key=a.txt`));
    const page = await response.text();
    // Assess
    expect(response.status).toBe(503);
    expect(page).toContain('a request has exceeded the configured 60000 ms requestTimeout.: AWS took the request and did not answer in time: the network is slow or was lost');
    expect(page).not.toMatch(/emulator|LocalStack/);
  });
});

describe('a bucket gone', () => {
  it('is named with the way out, instead of S3\'s bare "the specified bucket does not exist"', async () => {
    // Prepare: the backup bucket was deleted by hand while the console ran
    const { app, backend } = fakeBackend({ target: 'embedded' });
    backend.keyVersions.mockRejectedValue(Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket', BucketName: 'kit-backups' }));
    // Act
    const response = await app.request(pageAt(`/key?key=a.txt`));
    // Assess
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('The specified bucket does not exist: s3://kit-backups is gone (deleted outside the kit?): `make destroy` says what deleting its stack would lose');
  });
});

describe('the reconcile form', () => {
  it.each([
    ['repairs', 'fix', '1', 'no', [undefined, true, false]],
    ["reads the inbox's history", 'history', 'true', 'maybe', [undefined, false, true]],
  ] as const)('%s on any explicit yes, and refuses any other value instead of quietly reading it as a no', async (_what, name, yes, other, called) => {
    // Prepare
    const { app, backend } = fakeBackend({ target: 'embedded' });
    // Act
    const ticked = await app.request(post('/reconcile', { token: TOKEN, [name]: yes }));
    const refused = await app.request(post('/reconcile', { token: TOKEN, [name]: other }));
    // Assess
    expect(ticked.status).toBe(200);
    expect(backend.reconcile).toHaveBeenCalledWith(...called);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain(`${name}=${other} is not an explicit yes (yes, 1 or true): nothing was done.`);
    expect(backend.reconcile).toHaveBeenCalledTimes(1);
  });
});

describe('the restore form', () => {
  it('overwrites only on an explicit yes, and refuses any other value of force instead of quietly reading it as a no', async () => {
    // Prepare
    const { app, backend } = fakeBackend({ target: 'embedded' });
    backend.restore.mockResolvedValue({ kind: 'done', results: [], inboxBucket: 'inbox' });
    // Act
    const ticked = await app.request(post('/restore', { token: TOKEN, key: 'a.txt', version: 'v1', force: '1' }));
    const refused = await app.request(post('/restore', { token: TOKEN, key: 'a.txt', version: 'v1', force: 'maybe' }));
    // Assess
    expect(ticked.status).toBe(200);
    expect(backend.restore).toHaveBeenCalledWith(expect.objectContaining({ key: 'a.txt', version: 'v1', force: true }));
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('force=maybe is not an explicit yes (yes, 1 or true): nothing was done.');
    expect(backend.restore).toHaveBeenCalledTimes(1);
  });
});

describe("the stack's status", () => {
  it('is marked apart when the last update failed and was rolled back, not shown as a stack that is what was deployed', async () => {
    // Prepare
    const rolledBack = { ...readyStack, status: 'UPDATE_ROLLBACK_COMPLETE', statusReason: 'The following resource(s) failed to update: [BackupFunction].' };
    const { app: readyApp } = fakeBackend({}, { ...emptyOverview, stack: readyStack });
    const { app: rolledBackApp } = fakeBackend({}, { ...emptyOverview, stack: rolledBack });
    // Act
    const [ready, afterRollback] = await Promise.all([readyApp, rolledBackApp].map(async (app) => (await app.request(pageAt('/'))).text()));
    // Assess
    expect(ready).toContain('<span class="status">CREATE_COMPLETE</span>');
    expect(afterRollback).toContain('<span class="status status-rolled-back">UPDATE_ROLLBACK_COMPLETE</span>');
  });
});

describe('keys that differ only in blanks at their ends', () => {
  it('are told apart: the blanks at either end are marked, and the text stays the key', async () => {
    // Prepare
    const { app } = fakeBackend({}, { ...emptyOverview, stack: readyStack, backups: backupsWith(' notes.txt ') });
    // Act
    const html = await (await app.request(pageAt('/'))).text();
    // Assess
    expect(html).toContain('<span class="edge-blank"> </span>notes.txt<span class="edge-blank"> </span>');
  });
});

describe('a key deleted in the backup bucket', () => {
  it('is listed with when it was deleted there, not as simply backed up', async () => {
    // Prepare
    const { app } = fakeBackend({}, { ...emptyOverview, stack: readyStack, backups: backupsWith('a.txt', new Date('2026-11-29T12:00:00Z')) });
    // Act
    const html = await (await app.request(pageAt(`/`))).text();
    // Assess
    expect(html).toMatch(/deleted in the backup bucket at <time[^>]*>[^<]*<\/time>; its versions are kept/);
  });
});

describe('a key whose name holds characters that change how text shows', () => {
  it('is shown escaped, as the scripts print it, so that a bidirectional override cannot disguise it', async () => {
    // Prepare: shown raw, the override would make this read as invoiceexe.pdf
    const disguised = 'invoice\u202Efdp.exe';
    const { app, backend } = fakeBackend({}, { ...emptyOverview, stack: readyStack, backups: backupsWith(disguised) });
    backend.keyVersions.mockResolvedValue({ key: disguised, backupBucket: 'backups', versions: [] });
    // Act
    const overview = await (await app.request(pageAt('/'))).text();
    const keyPage = await (await app.request(pageAt(`/key?key=${encodeURIComponent(disguised)}`))).text();
    // Assess
    for (const html of [overview, keyPage]) {
      expect(html).not.toContain('\u202E');
      expect(html).toContain("$'invoice\\u202efdp.exe'".replaceAll("'", '&#39;'));
    }
  });
});

describe('a key whose backup versions include one another hand wrote', () => {
  it('marks, where the owner picks a version to restore, the one whose bytes are not its source’s', async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    const receipt = { state: ReceiptState.unknown, detail: 'not in the log' };
    const version = (versionId: string, otherBytes: boolean) => ({
      key: 'docs/a.txt',
      versionId,
      backedUpAt: new Date('2026-11-28T10:00:00Z'),
      size: 9,
      latest: versionId === 'forged',
      provenance: { sourceVersionId: 's1' },
      sourceTime: new Date('2026-11-28T09:59:00Z'),
      content: { size: 9, checksums: {} },
      receipt,
      ...(otherBytes ? { otherBytes } : {}),
    });
    backend.keyVersions.mockResolvedValue({ key: 'docs/a.txt', backupBucket: 'backups', inboxBucket: 'inbox', versions: [version('forged', true), version('genuine', false)] });
    // Act
    const html = await (await app.request(pageAt('/key?key=docs%2Fa.txt'))).text();
    // Assess
    const rows = html.split('<tr>').slice(2);
    expect(rows.map((row) => [row.includes('forged') ? 'forged' : 'genuine', row.includes('not written by the function (tampered?)')])).toEqual([
      ['forged', true],
      ['genuine', false],
    ]);
  });
});

describe('a key with a long history', () => {
  const version = (versionId: string) => ({
    key: 'docs/a b.txt',
    versionId,
    backedUpAt: new Date('2026-11-28T10:00:00Z'),
    size: 9,
    latest: versionId === 'b9',
    provenance: { sourceVersionId: `s-${versionId}` },
    sourceTime: new Date('2026-11-28T09:59:00Z'),
    content: { size: 9, checksums: {} },
    receipt: { state: ReceiptState.sent, detail: 'receipt_sent is in the log' },
  });

  it('shows a page of its newest versions with a link to the older ones, and each older page with a way back', async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    backend.keyVersions.mockImplementation(async (key: string, after?: string) =>
      after === undefined
        ? { key, backupBucket: 'backups', inboxBucket: 'inbox', olderAfter: 'b8', versions: [version('b9'), version('b8')] }
        : { key, backupBucket: 'backups', inboxBucket: 'inbox', after, versions: [version('b7')] },
    );
    // Act
    const newest = await (await app.request(pageAt('/key?key=docs%2Fa%20b.txt'))).text();
    const older = await app.request(pageAt('/key?key=docs%2Fa%20b.txt&after=b8'));
    const olderHtml = await older.text();
    // Assess: the older page is asked for by the version the newest page ended with, and restores as any other
    expect(backend.keyVersions.mock.calls).toEqual([['docs/a b.txt', undefined], ['docs/a b.txt', 'b8']]);
    expect(newest).toContain('<a href="/key?key=docs%2Fa%20b.txt&amp;after=b8">older versions →</a>');
    expect(newest).not.toContain('newest versions</a>');
    expect(older.status).toBe(200);
    expect(olderHtml).toContain('older than backup version <code>b8</code>');
    expect(olderHtml).toContain('<a href="/key?key=docs%2Fa%20b.txt">← newest versions</a>');
    expect(olderHtml).not.toContain('older versions →');
    expect(olderHtml).toContain('name="version" value="b7"');
  });

  it('answers 404 for a page after a version no longer backed up, with the way to the newest versions', async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    backend.keyVersions.mockResolvedValue({ key: 'docs/a b.txt', backupBucket: 'backups', after: 'gone', afterGone: true, versions: [] });
    // Act
    const response = await app.request(pageAt('/key?key=docs%2Fa%20b.txt&after=gone'));
    // Assess
    expect(response.status).toBe(404);
    const html = await response.text();
    expect(html).toContain('backup version gone is no longer a backup of this key (expired, or deleted)');
    expect(html).toContain('<a href="/key?key=docs%2Fa%20b.txt">← newest versions</a>');
  });
});

describe('a key without backups', () => {
  it('answers its page 404, saying there is no backup of it, how keys are matched, and how an upload not backed up gets its backup', async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    backend.keyVersions.mockResolvedValue({ key: 'never.txt', backupBucket: 'backups', versions: [] });
    // Act
    const response = await app.request(pageAt(`/key?key=never.txt`));
    // Assess
    expect(response.status).toBe(404);
    const html = await response.text();
    expect(html).toContain('no backup of this key. A key is matched exactly, its case and blanks too');
    expect(html).toContain('a Reconcile with repair backs it up');
  });

  it('says of a folder typed as the key that it is a folder, and where its keys are found', async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    backend.keyVersions.mockResolvedValue({ key: 'docs', backupBucket: 'backups', versions: [], folderOfKeys: true });
    // Act
    const response = await app.request(pageAt(`/key?key=docs`));
    // Assess
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('no backup of this key: docs/ is a folder, under which the backups hold keys. The overview’s search for docs/ lists them; a Reconcile of the folder checks them');
  });

  it('answers its page and a restore 404 when neither a stack nor a kept backup bucket is there to read', async () => {
    // Prepare: the stack and its backups deleted (make destroy DELETE_BACKUPS=1) while the overview was open
    const { app, backend } = fakeBackend();
    const nothing = new NothingKept('no stack backup-kit on embedded, and no backups are kept in s3://b: there is nothing to restore from');
    backend.keyVersions.mockRejectedValue(nothing);
    backend.restore.mockRejectedValue(nothing);
    // Act
    const keyPage = await app.request(pageAt(`/key?key=a.txt`));
    const restore = await app.request(post('/restore', { token: TOKEN, key: 'a.txt', version: 'v1', to: 'elsewhere' }));
    // Assess
    expect([keyPage.status, restore.status]).toEqual([404, 404]);
    expect(await keyPage.text()).toContain('there is nothing to restore from');
  });
});

describe('what an action that did not succeed answers', () => {
  it('answers a redrive whose event failed again 500, one another reader held 409, and a repair that left keys wrong 500', async () => {
    // Prepare
    const { app, backend } = fakeBackend({ target: 'embedded' });
    const quiet = { messages: 1, parked: [parkedEvent], unreadable: [], notReleased: [], interrupted: [] };
    backend.redrive
      .mockResolvedValueOnce({ ...quiet, results: [{ event: parkedEvent, error: 'ConfigError: BACKUP_BUCKET: must be an S3 bucket name' }], hiddenElsewhere: 0 })
      .mockResolvedValueOnce({ ...quiet, results: [], hiddenElsewhere: 3 });
    const wrong = { key: 'a.txt', finding: Finding.missing, detail: 'no backup at all' };
    backend.reconcile.mockResolvedValueOnce({ prefix: undefined, findings: [wrong], repairs: [{ before: wrong, error: 'ConfigError: BACKUP_BUCKET: must be an S3 bucket name' }] });
    // Act
    const failedAgain = await app.request(post('/redrive', { token: TOKEN, messageId: 'm-1' }));
    const heldElsewhere = await app.request(post('/redrive', { token: TOKEN }));
    const repair = await app.request(post('/reconcile', { token: TOKEN, fix: 'yes' }));
    // Assess
    expect([failedAgain.status, heldElsewhere.status, repair.status]).toEqual([500, 409, 500]);
  });
});

describe('a form larger than any of the console’s own pages sends', () => {
  it('is refused with 413 before it is read, and nothing is done; the largest a page sends passes', async () => {
    // Prepare: a redrive of more message ids than a megabyte holds, and one of many thousands that fits
    const { app, backend } = fakeBackend({ target: 'embedded' });
    const ids = (count: number) => Array.from({ length: count }, (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`).join(' ');
    backend.redrive.mockResolvedValue({ messages: 0, parked: [], unreadable: [], notReleased: [], hiddenElsewhere: 0, interrupted: [], results: [] });
    // Act
    const tooLarge = await app.request(post('/redrive', { token: TOKEN, listed: ids(40_000) }));
    const fits = await app.request(post('/redrive', { token: TOKEN, listed: ids(20_000) }));
    // Assess
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.text()).toContain('The form is larger than the console takes (1 MiB), which its own pages send only for a redrive of some 25,000 parked events or more: `make redrive` takes any number. Nothing was done.');
    expect(fits.status).toBe(409);
    expect((await fits.text()).match(/not in the queue when this redrive read it/g)).toHaveLength(20_000);
    expect(backend.redrive).toHaveBeenCalledTimes(1);
  });
});

describe('a redrive whose event failed again', () => {
  it('says beside its error what becomes of it, as make redrive does, and the tally only counts it', async () => {
    // Prepare
    const { app, backend } = fakeBackend({ target: 'localstack' });
    backend.redrive.mockResolvedValueOnce({
      messages: 1, parked: [parkedEvent], unreadable: [], notReleased: [], hiddenElsewhere: 0, interrupted: [],
      results: [{ event: parkedEvent, error: 'RetryableBackupError: backup of 1 record(s) failed: a.txt (S3 failed or throttled (transient))' }],
    });
    // Act
    const html = await (await app.request(post('/redrive', { token: TOKEN, messageId: 'm-1' }))).text();
    // Assess
    expect(html).toContain('failed again: RetryableBackupError: backup of 1 record(s) failed: a.txt (S3 failed or throttled (transient)); nothing retries it: its message stays in the queue, visible again at once, for `make redrive TARGET=localstack` once what the error names is fixed');
    expect(html.match(/nothing retries it/g)).toHaveLength(1);
  });

  it('names the faults set on the embedded emulator that failed it, with the curl -X DELETE that clears them', async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    const faultsNote = "the embedded emulator at http://127.0.0.1:4599 has faults set (serverError 1), which fail the function's requests on purpose: clear them with `curl -X DELETE http://127.0.0.1:4599/_backup-kit/faults`";
    backend.redrive.mockResolvedValueOnce({
      messages: 1, parked: [parkedEvent], unreadable: [], notReleased: [], hiddenElsewhere: 0, interrupted: [],
      results: [{ event: parkedEvent, error: 'RetryableBackupError: backup of 1 record(s) failed: a.txt (S3 failed or throttled (transient))' }],
      faultsNote,
    });
    // Act
    const response = await app.request(post('/redrive', { token: TOKEN, messageId: 'm-1' }));
    // Assess
    expect(response.status).toBe(500);
    expect(await response.text()).toContain(`Note: ${faultsNote.replaceAll("'", '&#39;')}.`);
  });
});

describe('a redrive the console’s stop cut short', () => {
  it('names the events it handed back to the queue, with the 500 of make redrive’s exit 1', async () => {
    // Prepare: one event redriven, two handed back when Ctrl-C stopped the console
    const { app, backend } = fakeBackend({ target: 'embedded' });
    const second = { ...parkedEvent, messageId: 'm-2', receiptHandle: 'r-2', keys: ['second.txt'] };
    const third = { ...parkedEvent, messageId: 'm-3', receiptHandle: 'r-3', keys: ['third.txt'] };
    backend.redrive.mockResolvedValueOnce({
      messages: 3,
      parked: [parkedEvent, second, third],
      unreadable: [],
      notReleased: [],
      hiddenElsewhere: 0,
      results: [{ event: parkedEvent, outcomes: ['copied'] }],
      interrupted: ['m-2', 'm-3'],
    });
    // Act
    const response = await app.request(post('/redrive', { token: TOKEN }));
    const html = await response.text();
    // Assess
    expect(response.status).toBe(500);
    expect(html).toContain('2 parked event(s) not redriven: the console was stopping, and they are back in the queue for the next redrive.');
    expect(html).toContain('second.txt: not redriven, back in the queue');
    expect(html).toContain('third.txt: not redriven, back in the queue');
  });
});

describe('a failed-events queue larger than one listing keeps hidden', () => {
  it('says on the overview that some parked events may not be listed', async () => {
    // Prepare
    const { app } = fakeBackend({ target: 'embedded' }, { ...emptyOverview, stack: readyStack, parked: { parked: [parkedEvent], unreadable: [], hiddenElsewhere: 0, listedInPart: true } });
    // Act
    const html = await (await app.request(pageAt(`/`))).text();
    // Assess
    expect(html).toContain('Note: the queue is larger than one listing keeps hidden: its first messages came back before the last were read, so some parked events may not be listed');
  });
});

describe('a redrive of an event no longer in the queue', () => {
  it('names the message it did not receive and answers 409, instead of saying the queue holds none', async () => {
    // Prepare: the event the overview showed was redriven from another tab meanwhile
    const { app, backend } = fakeBackend();
    backend.redrive.mockResolvedValueOnce({ messages: 0, parked: [], unreadable: [], results: [], notReleased: [], hiddenElsewhere: 0, interrupted: [] });
    // Act
    const response = await app.request(post('/redrive', { token: TOKEN, messageId: 'm-9' }));
    const html = await response.text();
    // Assess
    expect(response.status).toBe(409);
    expect(html).toContain('message m-9: not in the queue when this redrive read it (redriven or deleted since the overview showed it, or another reader holds it): reload the overview');
    expect(html).not.toContain('the queue holds none');
  });
});

describe('a redrive whose parked version is no longer backed up', () => {
  it('gives a save command that works where the console works: the emulator’s endpoint and credentials there, plain aws on AWS', async () => {
    // Prepare
    const parkedVersion = { bucket: 'kit-inbox', key: 'parked.txt', versionId: 'v-1' };
    const redriven = { messages: 1, parked: [parkedEvent], unreadable: [], notReleased: [], hiddenElsewhere: 0, interrupted: [], results: [{ event: parkedEvent, outcomes: ['copied'], notBackedUp: [parkedVersion] }] };
    const emulator = fakeBackend({ target: 'embedded', endpoint: 'http://127.0.0.1:4599' });
    const aws = fakeBackend({ target: 'aws', endpoint: undefined });
    emulator.backend.redrive.mockResolvedValueOnce(redriven);
    aws.backend.redrive.mockResolvedValueOnce(redriven);
    // Act
    const onEmulator = await (await emulator.app.request(post('/redrive', { token: TOKEN }))).text();
    const onAws = await (await aws.app.request(post('/redrive', { token: TOKEN, confirmAccount: '123456789012' }))).text();
    // Assess
    expect(onEmulator).toContain('aws s3api get-object --bucket kit-inbox --key &#39;parked.txt&#39; --version-id v-1 &#39;v-1-parked.txt&#39; --endpoint-url http://127.0.0.1:4599');
    expect(onEmulator).toContain('AWS_ACCESS_KEY_ID=test');
    expect(onAws).toContain('(save it: aws s3api get-object --bucket kit-inbox --key &#39;parked.txt&#39; --version-id v-1 &#39;v-1-parked.txt&#39;)');
  });
});

describe('a repair, row by row, as make reconcile FIX=1 tells it', () => {
  it('shows a fixed key, a key gone meanwhile (200), and one never backed up that vanished, with why (500)', async () => {
    // Prepare
    const { app, backend } = fakeBackend({ target: 'embedded' });
    const missing = (key: string) => ({ key, finding: Finding.missing, inboxVersionId: 'v1', detail: 'no backup at all' });
    const fixed = { before: missing('fixed.txt'), after: { key: 'fixed.txt', finding: Finding.ok, detail: 'same by checksum' } };
    const gone = { before: missing('gone.txt'), after: { key: 'gone.txt', finding: Finding.orphan, detail: 'the inbox no longer has the key; the backup keeps it', versionKept: true } };
    const vanished = { before: missing('vanished.txt'), after: { key: 'vanished.txt', finding: Finding.ok, detail: 'gone from both', goneFromBoth: true } };
    backend.reconcile
      .mockResolvedValueOnce({ findings: [fixed.before, gone.before], repairs: [fixed, gone] })
      .mockResolvedValueOnce({ findings: [vanished.before], repairs: [vanished] });
    // Act
    const done = await app.request(post('/reconcile', { token: TOKEN, fix: 'yes' }));
    const doneText = await done.text();
    const notDone = await app.request(post('/reconcile', { token: TOKEN, fix: 'yes' }));
    const notDoneText = await notDone.text();
    // Assess
    expect([done.status, notDone.status]).toEqual([200, 500]);
    expect(doneText).toContain('repaired through the function: 1 of 2; 1 deleted from the inbox meanwhile (nothing left to back up)');
    expect(doneText).toContain('<td>ok: same by checksum</td>');
    expect(doneText).toContain('<td>gone: deleted from the inbox meanwhile, nothing left to back up (its backups are kept)</td>');
    expect(notDoneText).toContain('repaired through the function: 0 of 1');
    expect(notDoneText).toContain('still missing: deleted from the inbox before its repair, never backed up: version v1 stays only in the inbox&#39;s history');
  });
});

describe('a reconcile that finds earlier inbox versions no backup holds', () => {
  it('names each, with the command that saves one where the console works, as a report (200)', async () => {
    // Prepare
    const { app, backend } = fakeBackend({ target: 'embedded', endpoint: 'http://127.0.0.1:4599' });
    backend.reconcile.mockResolvedValueOnce({ findings: [{ key: 'draft.txt', finding: Finding.ok, detail: 'same by checksum' }], inboxOnly: [{ key: 'draft.txt', versionId: 'v-first' }], inboxBucket: 'kit-inbox', repairs: [] });
    // Act
    const response = await app.request(post('/reconcile', { token: TOKEN, history: 'yes' }));
    const page = await response.text();
    // Assess
    expect(backend.reconcile).toHaveBeenCalledWith(undefined, false, true);
    expect(response.status).toBe(200);
    expect(page).toContain('1 earlier inbox version(s) no backup holds');
    expect(page).toContain('draft.txt</a> version v-first');
    expect(page).toContain("aws s3api get-object --bucket kit-inbox --key &#39;draft.txt&#39; --version-id v-first &#39;v-first-draft.txt&#39; --endpoint-url http://127.0.0.1:4599");
  });

  it('says that every earlier inbox version has a backup when the history it read holds none without, as make reconcile HISTORY=1 does', async () => {
    // Prepare: the history was read and every earlier version has a backup; a reconcile without it reads none
    const { app, backend } = fakeBackend({ target: 'embedded' });
    const findings = [{ key: 'draft.txt', finding: Finding.ok, detail: 'same by checksum' }];
    backend.reconcile.mockResolvedValueOnce({ findings, inboxOnly: [], inboxBucket: 'kit-inbox', repairs: [] });
    backend.reconcile.mockResolvedValueOnce({ findings, inboxBucket: 'kit-inbox', repairs: [] });
    // Act
    const withHistory = await (await app.request(post('/reconcile', { token: TOKEN, history: 'yes' }))).text();
    const without = await (await app.request(post('/reconcile', { token: TOKEN }))).text();
    // Assess
    expect(withHistory).toContain('1 key(s): 1 ok, 0 missing, 0 stale, 0 corrupt, 0 untagged, 0 orphan; every earlier inbox version has a backup');
    expect(without).not.toContain('earlier inbox version');
  });
});

describe('a repair that failed on an embedded emulator with faults set', () => {
  it('names the faults and the curl -X DELETE that clears them, as make reconcile FIX=1 does', async () => {
    // Prepare
    const { app, backend } = fakeBackend({ target: 'embedded' });
    const faultsNote = "the embedded emulator at http://127.0.0.1:4599 has faults set (serverError 1), which fail the function's requests on purpose: clear them with `curl -X DELETE http://127.0.0.1:4599/_backup-kit/faults`";
    backend.reconcile.mockResolvedValueOnce({ findings: [{ key: 'lost.txt', finding: Finding.missing, detail: 'no backup at all' }], repairs: [], faultsNote });
    // Act
    const page = await (await app.request(post('/reconcile', { token: TOKEN }))).text();
    // Assess
    expect(page).toContain(`<p class="hint bad" id="faults-note">Note: ${faultsNote.replaceAll("'", '&#39;')}.</p>`);
  });
});

describe("a reconcile of an inbox whose notification leaves uploads out", () => {
  it('says so as an error with the way to set it back, and a notification it could not read as a note', async () => {
    // Prepare
    const { app, backend } = fakeBackend({ target: 'embedded' });
    const findings = [{ key: 'kept.txt', finding: Finding.ok, detail: 'same by checksum' }];
    backend.reconcile.mockResolvedValueOnce({ findings, repairs: [], handover: { leavesUploadsOut: true, problem: 'the inbox s3://kit-inbox does not hand every new upload to the function (…), then check again' } });
    backend.reconcile.mockResolvedValueOnce({ findings, repairs: [], handover: { leavesUploadsOut: false, problem: "could not read the inbox's notification (AccessDenied: no)" } });
    backend.reconcile.mockResolvedValueOnce({ findings, repairs: [] });
    // Act
    const reconcile = async () => (await app.request(post('/reconcile', { token: TOKEN }))).text();
    const leftOut = await reconcile();
    const unread = await reconcile();
    const whole = await reconcile();
    // Assess
    expect(leftOut).toContain('<p class="hint bad" id="handover-note">Error: the inbox s3://kit-inbox does not hand every new upload to the function (…), then check again.</p>');
    expect(unread).toContain(`<p class="hint" id="handover-note">Note: could not read the inbox&#39;s notification (AccessDenied: no).</p>`);
    expect(whole).not.toContain('handover-note');
  });
});

describe('a reconcile that finds keys to repair while events wait in the failed-events queue', () => {
  it('counts them and says where to redrive them, as make reconcile’s note does; an empty queue is not mentioned', async () => {
    // Prepare
    const { app, backend } = fakeBackend({ target: 'embedded' });
    const findings = [{ key: 'lost.txt', finding: Finding.missing, detail: 'no backup at all' }];
    backend.reconcile.mockResolvedValueOnce({ findings, repairs: [], parkedWaiting: 2 });
    backend.reconcile.mockResolvedValueOnce({ findings, repairs: [], parkedWaiting: 0 });
    backend.reconcile.mockResolvedValueOnce({ findings, repairs: [], parkedWaiting: { problem: 'AccessDenied: not allowed' } });
    // Act
    const reconcile = async () => (await app.request(post('/reconcile', { token: TOKEN }))).text();
    const waiting = await reconcile();
    const empty = await reconcile();
    const uncounted = await reconcile();
    // Assess
    expect(waiting).toContain('Note: 2 event(s) wait in the failed-events queue: the overview lists them, each with its Redrive, which hands it to the function again; the function skips a version backed up already (as a repair makes it).');
    expect(empty).not.toContain('failed-events queue');
    expect(uncounted).toContain('Note: could not count the events parked in the failed-events queue (AccessDenied: not allowed): the overview lists them.');
  });
});

describe('the parked events', () => {
  it('refuses a redrive whose message id is blank instead of redriving them all', async () => {
    // Prepare
    const { app, backend } = fakeBackend({ target: 'embedded' });
    // Act
    const response = await app.request(post('/redrive', { token: TOKEN, messageId: ' ' }));
    // Assess
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('A blank message id names no parked event');
    expect(backend.redrive).not.toHaveBeenCalled();
  });

  it('says that other readers hide messages instead of calling the queue empty', async () => {
    // Prepare: a redrive elsewhere holds two messages
    const { app } = fakeBackend({ target: 'embedded' }, { ...emptyOverview, stack: readyStack, parked: { parked: [], unreadable: [], hiddenElsewhere: 2 } });
    // Act
    const html = await (await app.request(pageAt(`/`))).text();
    // Assess
    expect(html).toContain('2 message(s) hidden by another reader');
    expect(html).not.toContain('The failed-events queue is empty.');
  });
});

describe('on aws, a writing action names the account', () => {
  it('refuses a redrive, a repair and a restore until the owner typed the account id', async () => {
    // Prepare
    const { app, backend } = fakeBackend({ target: 'aws', account: '111122223333', region: 'eu-central-1' });
    // Act
    const redrive = await app.request(post('/redrive', { token: TOKEN }));
    const repair = await app.request(post('/reconcile', { token: TOKEN, fix: 'yes' }));
    const restore = await app.request(post('/restore', { token: TOKEN, key: 'a.txt', version: 'v1', confirmAccount: '999999999999' }));
    // Assess
    expect([redrive.status, repair.status, restore.status]).toEqual([400, 400, 400]);
    expect(await redrive.text()).toContain('This writes to AWS account 111122223333 (eu-central-1): type that account id to confirm. Nothing was done.');
    expect(backend.redrive).not.toHaveBeenCalled();
    expect(backend.reconcile).not.toHaveBeenCalled();
    expect(backend.restore).not.toHaveBeenCalled();
  });

  it('goes on once the account id is typed, and a reconcile without repair needs none', async () => {
    // Prepare
    const { app, backend } = fakeBackend({ target: 'aws', account: '111122223333' });
    // Act
    const redrive = await app.request(post('/redrive', { token: TOKEN, confirmAccount: '111122223333' }));
    const reconcile = await app.request(post('/reconcile', { token: TOKEN, prefix: 'photos/' }));
    // Assess
    expect([redrive.status, reconcile.status]).toEqual([200, 200]);
    expect(backend.redrive).toHaveBeenCalledWith(undefined);
    expect(backend.reconcile).toHaveBeenCalledWith('photos/', false, false);
  });

  it('shows the account field in writing forms on aws only', async () => {
    // Prepare
    const overview = { ...emptyOverview, stack: readyStack, parked: { parked: [parkedEvent], unreadable: [], hiddenElsewhere: 0 } };
    // Act
    const onAws = await (await fakeBackend({ target: 'aws' }, overview).app.request(pageAt(`/`))).text();
    const embedded = await (await fakeBackend({ target: 'embedded' }, overview).app.request(pageAt(`/`))).text();
    // Assess
    expect(onAws).toContain('name="confirmAccount" required=""');
    expect(embedded).not.toContain('confirmAccount');
  });
});

describe('restore asks before it overwrites', () => {
  const item = {
    key: 'a.txt',
    destination: { bucket: 'inbox', key: 'a.txt' },
    action: RestoreAction.skip,
    skipped: SkipReason.exists,
    reason: 's3://inbox/a.txt exists',
  };

  it('answers an occupied destination with a question that posts the overwrite of what it showed', async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    backend.restore.mockResolvedValue({ kind: 'confirm', item: { ...item, occupiedBy: '"e1"' } });
    // Act
    const response = await app.request(post('/restore', { token: TOKEN, key: 'a.txt', version: 'v1' }));
    const html = await response.text();
    // Assess
    expect(backend.restore).toHaveBeenCalledWith({ key: 'a.txt', version: 'v1', to: undefined, force: false });
    expect(html).toContain('s3://inbox/a.txt</span> exists');
    expect(html).toContain('<input type="hidden" name="force" value="yes"/>');
    expect(html).toContain('<input type="hidden" name="overwriting" value="&quot;e1&quot;"/>');
  });

  it('says that an overwrite loses what a bucket without versions holds, and that a versioned one keeps it', async () => {
    // Prepare: the destination's object is the "null" version in one bucket, a version with an id in another
    const { app, backend } = fakeBackend();
    backend.restore
      .mockResolvedValueOnce({ kind: 'confirm', item: { ...item, destination: { bucket: 'plain', key: 'a.txt' }, occupiedBy: '"e1"', occupiedByVersion: 'null' } })
      .mockResolvedValueOnce({ kind: 'confirm', item: { ...item, occupiedBy: '"e1"', occupiedByVersion: 'i1' } });
    // Act
    const plain = await (await app.request(post('/restore', { token: TOKEN, key: 'a.txt', version: 'v1', to: 'plain' }))).text();
    const versioned = await (await app.request(post('/restore', { token: TOKEN, key: 'a.txt', version: 'v1' }))).text();
    // Assess
    expect(plain).toContain('s3://plain keeps no version of it (versioning never enabled, or suspended): what it holds now is lost for good.');
    expect(plain).not.toContain('noncurrent');
    expect(versioned).toContain('the bucket keeps what it holds now as a noncurrent version.');
  });

  it('says, when it asks again after a yes, that the destination changed since that question, and from what to what', async () => {
    // Prepare: the owner agreed to overwrite version i1; a new upload made it i2
    const { app, backend } = fakeBackend();
    backend.restore.mockResolvedValueOnce({ kind: 'confirm', item: { ...item, action: RestoreAction.overwrite, skipped: undefined, occupiedBy: '"e2"', occupiedByVersion: 'i2' } });
    backend.restore.mockResolvedValueOnce({ kind: 'confirm', item: { ...item, occupiedBy: '"e1"', occupiedByVersion: 'i1' } });
    // Act
    const againResponse = await app.request(post('/restore', { token: TOKEN, key: 'a.txt', version: 'v1', force: 'yes', overwriting: '"e1"', overwritingVersion: 'i1' }));
    const firstResponse = await app.request(post('/restore', { token: TOKEN, key: 'a.txt', version: 'v1' }));
    const [again, first] = [await againResponse.text(), await firstResponse.text()];
    // Assess: a yes not carried out is a conflict; the first question is an answer like any other
    expect([againResponse.status, firstResponse.status]).toEqual([409, 200]);
    expect(again).toContain('It changed since the question you answered: that showed version i1, it holds version i2 now (a new upload, or another restore). Nothing was written: look again before you overwrite it.');
    expect(again).toContain('<input type="hidden" name="overwritingVersion" value="i2"/>');
    expect(first).not.toContain('It changed since');
  });

  it('restores a key made only of spaces, which S3 takes as any other name', async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    backend.restore.mockResolvedValue({ kind: 'done', results: [{ ...item, key: '  ', action: RestoreAction.restore, skipped: undefined, restoredVersionId: 'n1' }] });
    // Act
    const response = await app.request(post('/restore', { token: TOKEN, key: '  ', version: 'v1' }));
    // Assess
    expect(response.status).toBe(200);
    expect(backend.restore).toHaveBeenCalledWith(expect.objectContaining({ key: '  ', version: 'v1' }));
  });

  it('overwrites only when the form says so', async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    backend.restore.mockResolvedValue({ kind: 'done', results: [{ ...item, action: RestoreAction.overwrite, skipped: undefined, restoredVersionId: 'n1' }] });
    // Act
    const response = await app.request(post('/restore', { token: TOKEN, key: 'a.txt', version: 'v1', force: 'yes', to: 'other-bucket/x/', overwriting: '"e1"' }));
    // Assess
    expect(backend.restore).toHaveBeenCalledWith({ key: 'a.txt', version: 'v1', to: 'other-bucket/x/', force: true, overwriting: '"e1"' });
    expect(await response.text()).toContain('overwrote s3://inbox/a.txt (new version n1)');
  });

  it('says what it wrote into a bucket without versioning, and speaks of the inbox\'s backup only for a restore into the inbox', async () => {
    // Prepare: a restore elsewhere, into a bucket that keeps no versions; one into the inbox
    const { app, backend } = fakeBackend();
    backend.restore
      .mockResolvedValueOnce({ kind: 'done', results: [{ ...item, destination: { bucket: 'plain', key: 'a.txt' }, action: RestoreAction.restore, skipped: undefined }] })
      .mockResolvedValueOnce({ kind: 'done', results: [{ ...item, action: RestoreAction.restore, skipped: undefined, restoredVersionId: 'n2' }] });
    // Act
    const elsewhere = await (await app.request(post('/restore', { token: TOKEN, key: 'a.txt', version: 'v1', to: 'plain' }))).text();
    const intoInbox = await (await app.request(post('/restore', { token: TOKEN, key: 'a.txt', version: 'v1', to: '' }))).text();
    // Assess
    expect(elsewhere).toContain('restored s3://plain/a.txt (a bucket without versioning: no version id)');
    expect(elsewhere).not.toContain('the function backs it up again');
    expect(intoInbox).toContain('A file restored into the inbox is an upload like any other: the function backs it up again.');
  });

  it("says that the function backs up again a restore into the inbox's bucket under a folder named", async () => {
    // Prepare: TO= names the stack's inbox bucket with a folder
    const { app, backend } = fakeBackend();
    backend.restore.mockResolvedValueOnce({
      kind: 'done',
      results: [{ ...item, destination: { bucket: 'inbox', key: 'copies/a.txt' }, action: RestoreAction.restore, skipped: undefined, restoredVersionId: 'n3' }],
      inboxBucket: 'inbox',
    });
    // Act
    const html = await (await app.request(post('/restore', { token: TOKEN, key: 'a.txt', version: 'v1', to: 'inbox/copies' }))).text();
    // Assess
    expect(html).toContain('restored s3://inbox/copies/a.txt (new version n3)');
    expect(html).toContain('A file restored into the inbox is an upload like any other: the function backs it up again.');
  });

  it('refuses a destination of only spaces instead of restoring into the inbox', async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    // Act
    const response = await app.request(post('/restore', { token: TOKEN, key: 'a.txt', version: 'v1', to: '   ' }));
    // Assess
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('The destination is only spaces, which names no bucket: leave it empty to restore into the inbox');
    expect(backend.restore).not.toHaveBeenCalled();
  });
});

describe('redrive all', () => {
  it('redrives the events the page listed, not events parked since, which the owner has not seen', async () => {
    // Prepare: the overview lists two parked events
    const second = { ...parkedEvent, messageId: 'm-2' };
    const overview = { ...emptyOverview, stack: readyStack, parked: { parked: [parkedEvent, second], unreadable: [], hiddenElsewhere: 0 } };
    const { app, backend } = fakeBackend({}, overview);
    // Act
    const html = await (await app.request(pageAt('/'))).text();
    const listed = /name="listed" value="([^"]*)"/.exec(html)?.[1];
    await app.request(post('/redrive', { token: TOKEN, listed: listed ?? '' }));
    // Assess
    expect(listed).toBe(`${parkedEvent.messageId} m-2`);
    expect(backend.redrive).toHaveBeenCalledWith([parkedEvent.messageId, 'm-2']);
  });
});

describe('the reports on the overview', () => {
  it('name the cases a matrix run did not run, as the report files do', async () => {
    // Prepare: a run of case 1 only
    const matrix = {
      target: 'embedded', targetDescription: 'the embedded emulator', stackName: 'backup-kit', prefix: 'matrix/x/', startedAt: '2026-11-30T03:00:00.000Z', durationMs: 1,
      counts: { PASS: 1, FAIL: 0, SKIP: 0, SIMULATED: 0 },
      results: [{ id: 1, name: 'happy path', outcome: 'PASS' as const, evidence: [], durationMs: 1 }],
      notRun: [{ id: 2, name: 'duplicate event', why: 'left out by CASE=' }],
    };
    const overview: Overview = { ...emptyOverview, reports: [{ target: 'embedded', matrix: { state: 'read', content: matrix }, matrixHtml: false, bench: { state: 'absent' } }] };
    // Act
    const html = await (await fakeBackend({}, overview).app.request(pageAt('/'))).text();
    // Assess
    expect(html).toContain('case(s) 2 not run (left out by CASE=)');
  });

  it('say which build a matrix run tested, and whether the function runs it now (a PASS of another build proves nothing of this one)', async () => {
    // Prepare: the function runs build A; the report of the console's target tested build B, another target's build A
    const runsNow = 'a'.repeat(64);
    const tested = 'b'.repeat(64);
    const stack: Overview['stack'] = { state: 'ready', stackName: 'backup-kit', status: 'CREATE_COMPLETE', outputs: {}, artefact: { localSha256: runsNow, liveCodeSha256: Buffer.from(runsNow, 'hex').toString('base64'), runsLocal: true } };
    const matrixOf = (target: string, artefactSha256?: string) => ({
      target, targetDescription: target, stackName: 'backup-kit', prefix: 'matrix/x/', startedAt: '2026-11-01T03:00:00.000Z', durationMs: 1,
      counts: { PASS: 1, FAIL: 0, SKIP: 0, SIMULATED: 0 },
      results: [{ id: 1, name: 'happy path', outcome: 'PASS' as const, evidence: [], durationMs: 1 }],
      ...(artefactSha256 ? { artefactSha256 } : {}),
    });
    const reportsOf = (embedded: ReturnType<typeof matrixOf>): Overview['reports'] => [
      { target: 'embedded', matrix: { state: 'read', content: embedded }, matrixHtml: false, bench: { state: 'absent' } },
      { target: 'localstack', matrix: { state: 'read', content: matrixOf('localstack', runsNow) }, matrixHtml: false, bench: { state: 'absent' } },
    ];
    const pageWith = async (embedded: ReturnType<typeof matrixOf>) => (await fakeBackend({}, { stack, reports: reportsOf(embedded) }).app.request(pageAt('/'))).text();
    // Act
    const [another, same, unrecorded, otherStack] = await Promise.all([
      pageWith(matrixOf('embedded', tested)),
      pageWith(matrixOf('embedded', runsNow)),
      pageWith(matrixOf('embedded')),
      pageWith({ ...matrixOf('embedded', runsNow), stackName: 'trial-kit' }),
    ]);
    // Assess
    expect(another).toContain(`tested stack backup-kit, artefact sha256 bbbbbbbbbbbb…: not the build the function runs now (aaaaaaaaaaaa…): \`make matrix TARGET=embedded\` tests that one`);
    expect(same).toContain('tested stack backup-kit, artefact sha256 aaaaaaaaaaaa…: the build the function runs now');
    expect(unrecorded).toContain('tested stack backup-kit, a build it does not name (a report from before reports stored it): `make matrix TARGET=embedded` tests the one the function runs now');
    expect(otherStack).toContain('tested stack trial-kit, artefact sha256 aaaaaaaaaaaa…: not the stack shown above (backup-kit)');
    // Another target's report is not held against this target's function.
    expect(another).toContain('tested stack backup-kit, artefact sha256 aaaaaaaaaaaa…</span>');
  });
});

describe('a stack in trouble that still names its resources', () => {
  const trouble = 'stack backup-kit on embedded is in UPDATE_ROLLBACK_FAILED (its rollback failed): run `make destroy TARGET=embedded` (it empties the inbox first; the backups are kept), then `make deploy TARGET=embedded`';
  const troubled: Overview['stack'] = { state: 'ready', stackName: 'backup-kit', status: 'UPDATE_ROLLBACK_FAILED', statusReason: 'its rollback failed', outputs: {}, artefact: { localSha256: 'ab', liveCodeSha256: 'q=', runsLocal: true }, trouble };
  const notice = `<p class="problem" id="stack-trouble">${trouble}. Meanwhile the console reads what the stack names; what would change something (a redrive, a repair, a restore into the inbox) is refused until the stack is out of this state.</p>`;

  it('shows its backups, parked events and reconcile with the state and the way out, offering no redrive and no repair', async () => {
    // Prepare: two events parked
    const parked = { parked: [parkedEvent, { ...parkedEvent, messageId: 'm-2' }], unreadable: [], hiddenElsewhere: 0 };
    const { app } = fakeBackend({}, { ...emptyOverview, stack: troubled, backups: backupsWith('docs/a.txt'), parked });
    // Act
    const html = await (await app.request(pageAt('/'))).text();
    // Assess
    expect(html).toContain(notice);
    expect(html).toContain('<span class="status status-trouble">UPDATE_ROLLBACK_FAILED</span>');
    expect(html).toContain('docs/a.txt');
    expect(html).toContain('parked.txt');
    expect(html).toContain('A redrive is refused while the stack is in UPDATE_ROLLBACK_FAILED (see the stack above); the events stay parked meanwhile.');
    expect(html).not.toContain('action="/redrive"');
    expect(html).toContain('action="/reconcile"');
    expect(html).toContain('A repair is refused while the stack is in UPDATE_ROLLBACK_FAILED (see the stack above): the report reads its buckets as they are meanwhile.');
    expect(html).not.toContain('name="fix"');
    expect(html).not.toContain('The backups a destroyed stack kept stay readable');
  });

  it('offers the redrive and the repair on a stack without trouble, as before', async () => {
    // Prepare
    const parked = { parked: [parkedEvent, { ...parkedEvent, messageId: 'm-2' }], unreadable: [], hiddenElsewhere: 0 };
    const { app } = fakeBackend({}, { ...emptyOverview, stack: readyStack, backups: backupsWith('docs/a.txt'), parked });
    // Act
    const html = await (await app.request(pageAt('/'))).text();
    // Assess
    expect(html).not.toContain('id="stack-trouble"');
    expect(html).toContain('action="/redrive"');
    expect(html).toContain('Redrive all 2');
    expect(html).toContain('name="fix"');
  });

  it("says the state and the way out over a reconcile's report and a key's versions, whose restore names a bucket", async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    backend.reconcile.mockResolvedValueOnce({ findings: [{ key: 'a.txt', finding: Finding.missing, detail: 'no backup' }], repairs: [], trouble });
    const receipt = { state: ReceiptState.unknown, detail: 'not in the log' };
    const version = { key: 'docs/a.txt', versionId: 'b1', backedUpAt: new Date('2026-11-28T10:00:00Z'), size: 9, latest: true, provenance: { sourceVersionId: 's1' }, sourceTime: new Date('2026-11-28T09:59:00Z'), content: { size: 9, checksums: {} }, receipt };
    backend.keyVersions.mockResolvedValue({ key: 'docs/a.txt', backupBucket: 'backups', trouble, versions: [version] });
    // Act
    const report = await app.request(post('/reconcile', { token: TOKEN }));
    const keyPage = await (await app.request(pageAt('/key?key=docs%2Fa.txt'))).text();
    // Assess
    expect(report.status).toBe(200);
    expect(await report.text()).toContain(notice);
    expect(keyPage).toContain(notice);
    expect(keyPage).toContain('Until then a restore goes into a bucket/prefix you name, not into the inbox.');
    expect(keyPage).toContain('placeholder="bucket/prefix (required)"');
  });

  it('asks for the bucket/prefix a restore needs without an inbox, and does not say it goes into the inbox and is backed up again', async () => {
    // Prepare: the stack is gone; its backups were kept
    const { app, backend } = fakeBackend();
    const receipt = { state: ReceiptState.unknown, detail: 'the function’s log is gone with its stack' };
    const version = { key: 'docs/a.txt', versionId: 'b1', backedUpAt: new Date('2026-11-28T10:00:00Z'), size: 9, latest: true, provenance: { sourceVersionId: 's1' }, sourceTime: new Date('2026-11-28T09:59:00Z'), content: { size: 9, checksums: {} }, receipt };
    backend.keyVersions.mockResolvedValue({ key: 'docs/a.txt', backupBucket: 'backups', fallback: 'no stack backup-kit on embedded', versions: [version] });
    // Act
    const keyPage = await (await app.request(pageAt('/key?key=docs%2Fa.txt'))).text();
    // Assess: a browser refuses to send the form without a destination
    expect(keyPage).toMatch(/<input name="to" placeholder="bucket\/prefix \(required\)"[^>]* required=""/);
    expect(keyPage).toContain('Restore copies the version server-side into the <code>bucket/prefix</code> you name, as there is no inbox to restore into now.');
    expect(keyPage).toContain('Messages call the <code>bucket/prefix</code> field <code>TO=</code>, as <code>make restore</code> does.');
    expect(keyPage).not.toContain('the function backs it up again');
  });

  it("names its restore field as the restore messages do (TO=), with the stack's inbox to restore into", async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    const receipt = { state: ReceiptState.sent, detail: 'sent' };
    const version = { key: 'docs/a.txt', versionId: 'b1', backedUpAt: new Date('2026-11-28T10:00:00Z'), size: 9, latest: true, provenance: { sourceVersionId: 's1' }, sourceTime: new Date('2026-11-28T09:59:00Z'), content: { size: 9, checksums: {} }, receipt };
    backend.keyVersions.mockResolvedValue({ key: 'docs/a.txt', backupBucket: 'backups', inboxBucket: 'inbox', versions: [version] });
    // Act
    const keyPage = await (await app.request(pageAt('/key?key=docs%2Fa.txt'))).text();
    // Assess
    expect(keyPage).toContain('into the inbox under the same key unless you name a <code>bucket/prefix</code>.');
    expect(keyPage).toContain('Messages call the <code>bucket/prefix</code> field <code>TO=</code>, as <code>make restore</code> does.');
  });

  it('answers a refused action 409 with the way out', async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    backend.restore.mockRejectedValue(new StackNeedsRecovery(`${trouble}. Until then a restore goes into a bucket/prefix you name, not into the inbox: nothing was done.`));
    // Act
    const response = await app.request(post('/restore', { token: TOKEN, key: 'docs%2Fa.txt', version: 'b1' }));
    // Assess
    expect(response.status).toBe(409);
    expect(await response.text()).toContain('then `make deploy TARGET=embedded`. Until then a restore goes into a bucket/prefix you name, not into the inbox: nothing was done.');
  });
});

describe('the overview without a stack', () => {
  it('leads to the backups a destroyed stack kept, by a key\'s page', async () => {
    // Act
    const html = await (await fakeBackend().app.request(pageAt('/'))).text();
    // Assess
    expect(html).toContain('The backups a destroyed stack kept stay readable');
    expect(html).toContain('<form method="get" action="/key" class="search">');
  });
});

describe('a finished restore answers with a status that says how it went', () => {
  const result = (outcome: Partial<RestoreResult>): RestoreResult => ({ key: 'a.txt', destination: { bucket: 'inbox', key: 'a.txt' }, action: RestoreAction.skip, ...outcome });

  it.each([
    ['no backup of that version', 404, result({ skipped: SkipReason.noBackup, reason: 'no backup of version v9' }), 'not restored: no backup of version v9'],
    ['a backup gone since the plan', 404, result({ skipped: SkipReason.backupGone, reason: 'backup version v1 is gone' }), 'not restored: backup version v1 is gone'],
    ['no version at that time', 404, result({ skipped: SkipReason.absentAtTime, reason: 'not in the inbox at 2026-11-27T18:00:00.000Z' }), 'not restored: not in the inbox at 2026-11-27T18:00:00.000Z'],
    ['an occupied destination', 409, result({ skipped: SkipReason.exists, reason: 's3://inbox/a.txt exists' }), 'not restored: s3://inbox/a.txt exists'],
    ['a destination written meanwhile', 409, result({ skipped: SkipReason.writtenMeanwhile, reason: 's3://inbox/a.txt was written meanwhile' }), 'not restored: s3://inbox/a.txt was written meanwhile'],
    ['a failed copy', 500, result({ action: RestoreAction.restore, error: 'InternalError: We encountered an internal error' }), 'FAILED s3://inbox/a.txt: InternalError'],
    ['a restored file', 200, result({ action: RestoreAction.restore, restoredVersionId: 'n1' }), 'restored s3://inbox/a.txt (new version n1)'],
    ['a file restored without its tags', 500, result({ action: RestoreAction.restore, restoredVersionId: 'n1', tagsNotSet: 'its 2 tag(s) were not set' }), 'restored s3://inbox/a.txt (new version n1) from backup version ?, but its 2 tag(s) were not set'],
  ])('%s answers %i', async (_case, status, done, line) => {
    // Prepare
    const { app, backend } = fakeBackend();
    backend.restore.mockResolvedValue({ kind: 'done', results: [done] });
    // Act
    const response = await app.request(post('/restore', { token: TOKEN, key: 'a.txt', version: 'v9' }));
    // Assess
    expect(response.status).toBe(status);
    expect(await response.text()).toContain(line);
  });

  it('says a file restored into the inbox is backed up again only when one was written', async () => {
    // Prepare: one restore wrote nothing (the destination held the backup's bytes), another wrote a version
    const { app, backend } = fakeBackend();
    backend.restore
      .mockResolvedValueOnce({ kind: 'done', results: [result({ skipped: SkipReason.alreadyThere, reason: 's3://inbox/a.txt holds this backup’s bytes already' })] })
      .mockResolvedValueOnce({ kind: 'done', results: [result({ action: RestoreAction.restore, restoredVersionId: 'n1' })] });
    // Act
    const nothingWritten = await (await app.request(post('/restore', { token: TOKEN, key: 'a.txt', version: 'v9' }))).text();
    const written = await (await app.request(post('/restore', { token: TOKEN, key: 'a.txt', version: 'v9' }))).text();
    // Assess
    expect(nothingWritten).not.toContain('the function backs it up again');
    expect(written).toContain('A file restored into the inbox is an upload like any other: the function backs it up again.');
  });
});

describe('form fields reach the backend as typed', () => {
  it('restores a key and reconciles a prefix with their leading and trailing spaces', async () => {
    // Prepare
    const { app, backend } = fakeBackend();
    backend.restore.mockResolvedValue({ kind: 'done', results: [] });
    // Act
    const restore = await app.request(post('/restore', { token: TOKEN, key: ' notes.txt ', version: ' v1 ' }));
    const reconcile = await app.request(post('/reconcile', { token: TOKEN, prefix: ' drafts/ ' }));
    // Assess
    expect([restore.status, reconcile.status]).toEqual([200, 200]);
    expect(backend.restore).toHaveBeenCalledWith({ key: ' notes.txt ', version: ' v1 ', to: undefined, force: false });
    expect(backend.reconcile).toHaveBeenCalledWith(' drafts/ ', false, false);
  });

  it('refuses an empty key or a blank version, and reconciles everything for a blank prefix', async () => {
    // Prepare: a key of spaces names an object (S3 takes it); an empty one names none
    const { app, backend } = fakeBackend();
    // Act
    const restore = await app.request(post('/restore', { token: TOKEN, key: '', version: 'v1' }));
    const reconcile = await app.request(post('/reconcile', { token: TOKEN, prefix: '  ' }));
    // Assess
    expect(restore.status).toBe(400);
    expect(backend.restore).not.toHaveBeenCalled();
    expect(backend.reconcile).toHaveBeenCalledWith(undefined, false, false);
  });
});

describe('reconcile of a folder nothing is under', () => {
  it('answers 404 with the folder it read and what to check, as make reconcile exits 1: a misspelt folder checks nothing', async () => {
    // Prepare: nothing is under c/ in either bucket
    const { app, backend } = fakeBackend();
    backend.reconcile.mockResolvedValueOnce({ prefix: 'c', findings: [], repairs: [] });
    // Act
    const response = await app.request(post('/reconcile', { token: TOKEN, prefix: 'c' }));
    const html = await response.text();
    // Assess
    expect(response.status).toBe(404);
    expect(html).toContain('nothing under c/ in the inbox or the backups: check the folder’s name (a blank folder checks everything)');
  });

  it('says of a key typed as the folder that it is a key, and which folder it is in, as make reconcile does', async () => {
    // Prepare: docs/a.txt is a key; nothing is under docs/a.txt/
    const { app, backend } = fakeBackend();
    backend.reconcile.mockResolvedValueOnce({ prefix: 'docs/a.txt', prefixIsKey: true, findings: [], repairs: [] });
    // Act
    const response = await app.request(post('/reconcile', { token: TOKEN, prefix: 'docs/a.txt' }));
    const html = await response.text();
    // Assess
    expect(response.status).toBe(404);
    expect(html).toContain('nothing under docs/a.txt/ in the inbox or the backups: docs/a.txt is a key, not a folder: the folder field names a folder (docs/ checks the one it is in)');
  });
});

describe('keys and metadata are shown as text', () => {
  it('escapes a key that looks like markup, in the table and in its link', async () => {
    // Prepare
    const { app } = fakeBackend({}, { ...emptyOverview, stack: readyStack, backups: backupsWith(hostile), parked: { parked: [{ ...parkedEvent, keys: [hostile] }], unreadable: [], hiddenElsewhere: 0 } });
    // Act
    const html = await (await app.request(pageAt(`/`))).text();
    // Assess
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;.txt');
    expect(html).toContain(`href="/key?key=${encodeURIComponent(hostile)}"`);
    expect(html).not.toContain('<img');
  });
});

describe('receipts', () => {
  const since = new Date('2026-11-28T00:00:00Z');
  const log: ReceiptLog = { since, sent: new Set(['a.txt\u0000v1']), failed: new Map([['b.txt\u0000v2', '2026-11-28T01:00:00Z']]) };

  it('tells sent, not sent, not logged yet, and what the log window cannot know', () => {
    // Act
    const states = [
      receiptOf(log, 'a.txt', 'v1', new Date('2026-11-28T00:30:00Z')),
      receiptOf(log, 'b.txt', 'v2', new Date('2026-11-28T00:30:00Z')),
      receiptOf(log, 'c.txt', 'v3', new Date('2026-11-28T00:30:00Z')),
      receiptOf(log, 'd.txt', 'v4', new Date('2026-11-27T23:00:00Z')),
    ];
    // Assess
    expect(states.map((s) => s.state)).toEqual([ReceiptState.sent, ReceiptState.notSent, ReceiptState.noLine, ReceiptState.unknown]);
    expect(states[3]!.detail).toBe("backed up before 2026-11-28T00:00:00.000Z, where the log the console reads starts (its window, the log group's retention, or the log group a later stack made anew)");
  });

  it("cannot know the receipt of a backup older than the log group's retention, whose lines may have expired, however long the window", async () => {
    // Prepare: a 30-day window over a log group that keeps 7 days
    const logs = mockClient(CloudWatchLogsClient);
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const now = new Date('2026-11-28T00:00:00Z');
    const start = receiptLogStart(720 * 3_600_000, now, new Date('2026-10-01T00:00:00Z'), 7);
    // Act
    const read = await readReceiptLog(logs as unknown as CloudWatchLogsClient, '/aws/lambda/x', start);
    // Assess
    expect(start.toISOString()).toBe('2026-11-21T00:00:00.000Z');
    expect(receiptOf(read, 'a.txt', 'v1', new Date('2026-11-20T00:00:00Z')).state).toBe(ReceiptState.unknown);
    expect(receiptOf(read, 'a.txt', 'v1', new Date('2026-11-22T00:00:00Z')).state).toBe(ReceiptState.noLine);
  });

  it('cannot know the receipt of a backup older than the log group, which a later stack made anew', async () => {
    // Prepare: the window starts at midnight, but the stack (and its log group) was made again at 02:00
    const logs = mockClient(CloudWatchLogsClient);
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const start = receiptLogStart(3 * 3_600_000, new Date('2026-11-28T03:00:00Z'), new Date('2026-11-28T02:00:00Z'));
    // Act
    const read = await readReceiptLog(logs as unknown as CloudWatchLogsClient, '/aws/lambda/x', start);
    // Assess
    expect(receiptOf(read, 'a.txt', 'v1', new Date('2026-11-28T01:00:00Z'))).toEqual({
      state: ReceiptState.unknown,
      detail: "backed up before 2026-11-28T02:00:00.000Z, where the log the console reads starts (its window, the log group's retention, or the log group a later stack made anew)",
    });
    expect(receiptOf(read, 'a.txt', 'v1', new Date('2026-11-28T03:00:00Z')).state).toBe(ReceiptState.noLine);
  });

  it('reads receipt_sent and notify_failed by key and source version, and a sent retry wins over its failure', async () => {
    // Prepare
    const logs = mockClient(CloudWatchLogsClient);
    const line = (outcome: string, key: string, sourceVersionId: string) => ({ timestamp: 1, message: JSON.stringify({ outcome, key, sourceVersionId }) });
    logs.on(FilterLogEventsCommand).resolves({
      events: [line('notify_failed', 'a.txt', 'v1'), line('receipt_sent', 'a.txt', 'v1'), line('notify_failed', 'b.txt', 'v2'), { timestamp: 2, message: 'START RequestId: x' }],
    });
    // Act
    const read = await readReceiptLog(logs as unknown as CloudWatchLogsClient, '/aws/lambda/x', since);
    // Assess
    expect(receiptOf(read, 'a.txt', 'v1', since).state).toBe(ReceiptState.sent);
    expect(receiptOf(read, 'b.txt', 'v2', since).state).toBe(ReceiptState.notSent);
  });

  it("asks CloudWatch Logs for the receipt lines alone, page by page, not for the whole log of the window", async () => {
    // Prepare: two pages of receipt lines
    const logs = mockClient(CloudWatchLogsClient);
    const line = (key: string) => ({ timestamp: 1, message: JSON.stringify({ outcome: 'receipt_sent', key, sourceVersionId: 'v1' }) });
    logs.on(FilterLogEventsCommand).resolvesOnce({ events: [line('a.txt')], nextToken: 'page-2' }).resolves({ events: [line('b.txt')] });
    // Act
    const read = await readReceiptLog(logs as unknown as CloudWatchLogsClient, '/aws/lambda/x', since);
    // Assess
    const pattern = '{ $.outcome = "receipt_sent" || $.outcome = "notify_failed" }';
    expect(logs.commandCalls(FilterLogEventsCommand).map((call) => [call.args[0].input.filterPattern, call.args[0].input.nextToken, call.args[0].input.startTime])).toEqual([
      [pattern, undefined, since.getTime()],
      [pattern, 'page-2', since.getTime()],
    ]);
    expect([receiptOf(read, 'a.txt', 'v1', since).state, receiptOf(read, 'b.txt', 'v1', since).state]).toEqual([ReceiptState.sent, ReceiptState.sent]);
  });
});

describe('the part of the log read for the receipts a page shows', () => {
  const since = new Date('2026-11-28T00:00:00Z');
  const backedUpAt = new Date('2026-11-28T12:00:00Z');

  it('starts a few minutes before the oldest source shown was written, never before the window', () => {
    // Act
    const from = [
      receiptLinesFrom(since, [
        { key: 'a.txt', sourceVersionId: 'v2', sourceLastModified: '2026-11-28T11:00:00.000Z', backedUpAt },
        { key: 'a.txt', sourceVersionId: 'v1', sourceLastModified: '2026-11-28T10:00:00.000Z', backedUpAt },
      ]),
      receiptLinesFrom(since, [{ key: 'a.txt', sourceVersionId: 'v0', sourceLastModified: '2026-11-27T10:00:00.000Z', backedUpAt }]),
    ];
    // Assess
    expect(from.map((start) => start?.toISOString())).toEqual(['2026-11-28T09:55:00.000Z', '2026-11-28T00:00:00.000Z']);
  });

  it('is the whole window for a backup that records no time for its source, or one later than itself (not the function’s)', () => {
    // Act
    const from = [
      receiptLinesFrom(since, [{ key: 'a.txt', sourceVersionId: 'v1', sourceLastModified: '2026-11-28T11:00:00.000Z', backedUpAt }, { key: 'a.txt', sourceVersionId: 'v0', backedUpAt }]),
      receiptLinesFrom(since, [{ key: 'a.txt', sourceVersionId: 'v1', sourceLastModified: '2026-11-28T11:00:00.000Z', backedUpAt }, { key: 'a.txt', sourceVersionId: 'v0', sourceLastModified: 'no time', backedUpAt }]),
      receiptLinesFrom(since, [{ key: 'a.txt', sourceVersionId: 'v1', sourceLastModified: '2026-11-28T13:00:00.000Z', backedUpAt }]),
    ];
    // Assess
    expect(from).toEqual([since, since, since]);
  });

  it('is read from there, and not at all when no backup shown names its source', async () => {
    // Prepare
    const logs = mockClient(CloudWatchLogsClient);
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const client = logs as unknown as CloudWatchLogsClient;
    // Act
    const read = await readReceiptLog(client, '/aws/lambda/x', since, [{ key: 'a.txt', sourceVersionId: 'v1', sourceLastModified: '2026-11-28T10:00:00.000Z', backedUpAt }]);
    const unread = await readReceiptLog(client, '/aws/lambda/x', since, [{ key: 'a.txt', backedUpAt }]);
    // Assess
    expect(logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input.startTime)).toEqual([Date.parse('2026-11-28T09:55:00.000Z')]);
    expect([read.since, unread.since]).toEqual([since, since]);
    expect(receiptOf(unread, 'a.txt', undefined, backedUpAt).state).toBe(ReceiptState.unknown);
  });

  it("asks for one key's receipt lines alone on its page, when its name can stand in a pattern as it is", () => {
    // Prepare
    const shown = (...keys: string[]) => keys.map((key) => ({ key, sourceVersionId: 'v1', backedUpAt }));
    // Act
    const patterns = [
      receiptLinesPattern(shown('docs/a b.txt', 'docs/a b.txt')),
      receiptLinesPattern(shown('docs/a.txt', 'docs/b.txt')),
      receiptLinesPattern(shown('docs/*.txt')),
      receiptLinesPattern(shown('docs/"quoted".txt')),
      receiptLinesPattern(shown('docs/back\\slash.txt')),
      receiptLinesPattern(shown('docs/line\nbreak.txt')),
      receiptLinesPattern(shown('k'.repeat(1000))),
    ];
    // Assess: every other case asks for all receipt lines, whose keys are checked as they are read
    const all = '{ $.outcome = "receipt_sent" || $.outcome = "notify_failed" }';
    expect(patterns).toEqual(['{ ($.outcome = "receipt_sent" || $.outcome = "notify_failed") && $.key = "docs/a b.txt" }', all, all, all, all, all, all]);
  });
});

describe('reports', () => {
  it('reads each target’s matrix and bench report, and says which are missing or unreadable', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'console-reports-'));
    const matrix = { target: 'embedded', targetDescription: 'the embedded emulator', stackName: 'backup-kit', prefix: 'matrix/x/', startedAt: '2026-11-29T04:00:00.000Z', durationMs: 12_000, counts: { PASS: 1 }, results: [{ id: 1, name: 'happy path', outcome: 'PASS', evidence: [], durationMs: 900 }] };
    await writeFile(join(dir, 'matrix-embedded.json'), JSON.stringify(matrix));
    await writeFile(join(dir, 'bench-embedded.json'), JSON.stringify({ startPlusDeployMs: 4200 }));
    await writeFile(join(dir, 'matrix-localstack.json'), '{ not json');
    await writeFile(join(dir, 'matrix-embedded.html'), '<!doctype html><p>report</p>');
    // Act
    const reports = await readReports(dir);
    // Assess
    expect(reports.map((r) => [r.target, r.matrix.state, r.bench.state, r.matrixHtml])).toEqual([
      ['embedded', 'read', 'read', true],
      ['localstack', 'unreadable', 'absent', false],
      ['aws', 'absent', 'absent', false],
    ]);
  });

  it('serves a matrix page that make matrix wrote, and no other file', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'console-reports-'));
    await writeFile(join(dir, 'matrix-embedded.html'), '<!doctype html><p>report</p>');
    await writeFile(join(dir, 'secret.html'), 'not a report');
    const { backend } = fakeBackend();
    const app = asOwner(consoleApp({ backend, token: TOKEN, login: LOGIN, reportsDir: dir }));
    const get = (path: string) => app.request(pageAt(path));
    // Act
    const report = await get('/reports/matrix-embedded.html');
    const others = await Promise.all(['/reports/secret.html', '/reports/..%2F..%2Fpackage.json', '/reports/matrix-aws.html'].map(get));
    // Assess
    expect(report.status).toBe(200);
    expect(await report.text()).toBe('<!doctype html><p>report</p>');
    expect(report.headers.get('content-security-policy')).toContain("style-src 'unsafe-inline'");
    expect(others.map((response) => response.status)).toEqual([404, 404, 404]);
  });
});

const readyStack: Overview['stack'] = {
  state: 'ready',
  stackName: 'backup-kit',
  status: 'CREATE_COMPLETE',
  outputs: { InboxBucketName: 'inbox' },
  artefact: { localSha256: 'ab', liveCodeSha256: 'q=', runsLocal: true },
};

const parkedEvent = { messageId: 'm-1', receiptHandle: 'r-1', payload: {}, keys: ['parked.txt'], ignoredReasons: [], attempts: 3, condition: 'RetriesExhausted', lastError: 'Error: boom' };

function backupsWith(key: string, deletedAt?: Date): Overview['backups'] {
  const receipt = { state: ReceiptState.sent, detail: 'receipt_sent is in the log' };
  return {
    keys: [{ key, versions: 1, latest: { versionId: 'b1', size: 5, backedUpAt: new Date('2026-11-28T10:00:00Z'), sourceVersionId: 's1', receipt }, ...(deletedAt ? { deletedAt } : {}) }],
    matching: 1,
    total: 1,
    search: '',
    receiptsSince: new Date('2026-11-27T10:00:00Z'),
  };
}
