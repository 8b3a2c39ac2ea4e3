import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { DeleteObjectCommand, GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { chromium, type Browser, type Page, type Response } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { shownName } from '../../handler/shown-name.js';
import { sessionToken } from '../../scripts/console/guard.js';
import { liveBackend } from '../../scripts/console/live-backend.js';
import { loginAddress, loginSecret } from '../../scripts/console/login.js';
import { startConsole, type RunningConsole } from '../../scripts/console/serve.js';
import { consoleApp } from '../../scripts/console/server.js';
import { keyHref } from '../../scripts/console/views/layout.js';
import { waitForBackupOf } from '../../scripts/lib/observe.js';
import { reportsDir } from '../../scripts/lib/paths.js';
import { emulatorRequests } from '../../scripts/lib/request-log.js';
import { waitFor } from '../../scripts/lib/wait.js';
import { emulatorQuiet, printEmulatorLogOnFailure, startEmbeddedStack, type EmbeddedStack } from './support/embedded.js';

/** Debian's Chromium, as the issue asks; BACKUP_KIT_CHROMIUM points elsewhere (e.g. another distribution's path). */
const chromiumPath = process.env.BACKUP_KIT_CHROMIUM ?? '/usr/bin/chromium';
const skipReason = existsSync(chromiumPath) ? undefined : `${chromiumPath} is missing (install it with \`apt-get install chromium\`; .ci/run does)`;
if (skipReason) console.warn(`SKIP console browser suite: ${skipReason}`);

const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];
const NAME_PREFIX = 'kit-console-it';
const hostileKey = 'xss/<img src=x onerror=alert(1)>.txt';

let stack: EmbeddedStack | undefined;
let consoleServer: RunningConsole | undefined;
/** The address the console prints, with this run's login secret. */
let printedAddress: string;
let browser: Browser | undefined;
let page: Page;
/** Dialogs the page opened: script in a key would open one. */
const dialogs: string[] = [];

const live = () => {
  if (!stack) throw new Error('the emulator did not start');
  return { ...stack.deployment.clients, outputs: stack.deployment.outputs };
};

async function upload(key: string, body: string): Promise<string> {
  const { s3, outputs } = live();
  const put = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: body }));
  await waitForBackupOf(s3, outputs.BackupBucketName, key, put.VersionId!, 10_000);
  // The receipt is logged after the copy: the page reads it from the log.
  await emulatorQuiet(stack!.emulator);
  return put.VersionId!;
}

const inboxVersions = async (key: string) =>
  ((await live().s3.send(new ListObjectVersionsCommand({ Bucket: live().outputs.InboxBucketName, Prefix: key }))).Versions ?? []).filter((v) => v.Key === key);

/** The row of a key in a table, found by the text of its key cell. */
const rowOf = (table: string, key: string) => page.locator(`table.${table} tr`, { has: page.locator('td.key', { hasText: key }) });

describe.skipIf(skipReason !== undefined)('the console in a real browser (Chromium, headless)', () => {
  beforeAll(async () => {
    stack = await startEmbeddedStack({ namePrefix: NAME_PREFIX });
    const backend = liveBackend(stack.target, stack.deployment.clients, {
      account: '123456789012',
      reportsDir,
      receiptWindowMs: 3_600_000,
      shownKeys: 100,
      // Pages of three versions: a long history is a few uploads here.
      keyPageVersions: 3,
      overrides: { NamePrefix: NAME_PREFIX },
    });
    const login = loginSecret();
    consoleServer = await startConsole(consoleApp({ backend, token: sessionToken(), login, reportsDir }), 0);
    printedAddress = loginAddress(consoleServer.url, login);
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumFlags });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // The owner opens the address the console printed, as from the terminal: this browser is logged in from now on.
    await page.goto(printedAddress);
    // The console answers within a second or two: a missing element fails fast, not after Playwright's 30 s.
    page.setDefaultTimeout(10_000);
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
  });
  afterAll(async () => {
    await browser?.close();
    await consoleServer?.close();
    await stack?.emulator.stop();
  });
  beforeEach(() => printEmulatorLogOnFailure(() => stack));

  it('logs in the browser that opens the printed address, which then shows it without the secret, and no other', async () => {
    // Prepare: a browser of its own (no cookie yet), and one that never had the address
    const owner = await browser!.newContext();
    const other = await browser!.newContext();
    try {
      const ownerPage = await owner.newPage();
      const otherPage = await other.newPage();
      // Act
      const opened = await ownerPage.goto(printedAddress);
      const refused = await otherPage.goto(consoleServer!.url);
      const guessed = await otherPage.goto(loginAddress(consoleServer!.url, loginSecret()));
      // Assess
      expect(opened?.status()).toBe(200);
      expect(ownerPage.url()).toBe(consoleServer!.url);
      expect(await ownerPage.locator('h1').first().textContent()).not.toContain('Open the address');
      const [cookie, ...more] = await owner.cookies();
      expect(more).toEqual([]);
      expect(cookie).toMatchObject({ name: `backup-kit-console-${consoleServer!.port}`, domain: '127.0.0.1', path: '/', httpOnly: true, sameSite: 'Strict', expires: -1 });
      expect(cookie!.value).not.toBe(new URL(printedAddress).searchParams.get('login'));
      expect([refused?.status(), guessed?.status()]).toEqual([403, 403]);
      expect(await otherPage.locator('#login-needed').textContent()).toContain('opened the address it printed in its terminal');
      expect(await other.cookies()).toEqual([]);
    } finally {
      await owner.close();
      await other.close();
    }
  });

  it('shows an upload’s backup with its receipt, and restores it, asking before it overwrites', async () => {
    // Prepare: a file is uploaded, backed up, then lost from the inbox; its key has a run of spaces and ends with one,
    // which the restore keeps and the page shows (in its lines of text quoted, as the scripts print it, so that the
    // blank at its end shows)
    const key = `photos/cat  ${Date.now()}.jpg `;
    const printed = shownName(key);
    const source = await upload(key, 'a cat');
    await live().s3.send(new DeleteObjectCommand({ Bucket: live().outputs.InboxBucketName, Key: key }));

    // Act: the overview lists the backup; its page restores it, then asks before restoring over it
    await page.goto(consoleServer!.url);
    const row = rowOf('backups', key);
    const listed = { source: await row.locator('td').nth(4).textContent(), receipt: await row.locator('.receipt').textContent() };
    await row.getByRole('link', { name: key }).click();
    await page.getByRole('button', { name: 'Restore' }).click();
    const restored = await page.locator('ul.results').textContent();
    const restoredAsShown = await page.locator('ul.results').innerText();
    await page.getByRole('link', { name: 'back to the versions' }).click();
    // The restored file is changed in the inbox and backed up: a destination holding the backup's own bytes would be
    // nothing to do, and a version no backup holds is never overwritten
    await upload(key, 'a dog');
    await page.getByRole('button', { name: 'Restore' }).first().click();
    const question = await page.locator('#overwrite-question').textContent();
    await page.getByRole('button', { name: 'Overwrite' }).click();
    const overwritten = await page.locator('ul.results').textContent();

    // Assess
    expect(listed).toEqual({ source, receipt: 'sent' });
    expect(printed).toBe(`'${key}'`);
    expect(restored).toContain(`restored s3://${live().outputs.InboxBucketName}/${printed}`);
    expect(restoredAsShown).toContain(`restored s3://${live().outputs.InboxBucketName}/${printed}`);
    expect(question).toContain(`s3://${live().outputs.InboxBucketName}/${printed} exists`);
    expect(overwritten).toContain(`overwrote s3://${live().outputs.InboxBucketName}/${printed}`);
    const versions = await inboxVersions(key);
    expect(versions.length).toBe(4);
    const body = await (await live().s3.send(new GetObjectCommand({ Bucket: live().outputs.InboxBucketName, Key: key }))).Body?.transformToString();
    expect(body).toBe('a cat');
  });

  it('redrives an event parked in the failed-events queue', async () => {
    // Prepare: a broken configuration fails the event until it is parked, then the configuration is fixed
    const { s3, sqs, lambda, outputs } = live();
    const FunctionName = outputs.BackupFunctionName;
    const key = `parked/${Date.now()}.txt`;
    const variables = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }))).Environment?.Variables ?? {};
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName, Environment: { Variables: { ...variables, BACKUP_BUCKET: 'Not_A_Bucket' } } }));
    const put = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: 'parked' }));
    await waitFor('the event to be parked', async () => {
      const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: outputs.FailedEventsQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
      return Number(attributes.Attributes?.ApproximateNumberOfMessages) > 0 ? true : undefined;
    }, { timeoutMs: 20_000, intervalMs: 300 });
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName, Environment: { Variables: variables } }));

    // Act
    await page.goto(consoleServer!.url);
    const parked = rowOf('parked', key);
    const why = await parked.locator('td').nth(1).textContent();
    await parked.getByRole('button', { name: 'Redrive' }).click();
    const summary = await page.locator('p.summary').textContent();

    // Assess
    expect(why).toBe('parked after 3 attempt(s) (RetriesExhausted)');
    expect(summary).toBe('redriven 1, failed again 0 (left in the queue), skipped 0 (another reader has them), ignored by the function 0 (left in the queue), unreadable 0 (left alone)');
    await waitForBackupOf(s3, outputs.BackupBucketName, key, put.VersionId!, 5_000);
    await page.goto(consoleServer!.url);
    expect(await page.locator('#parked').textContent()).toContain('The failed-events queue is empty.');
  });

  it('runs a reconcile with its findings, and repairs through the function when asked', async () => {
    // Prepare: a backup lost all its versions
    const { s3, outputs } = live();
    const folder = `reconcile-${Date.now()}/`;
    await upload(`${folder}kept.txt`, 'kept');
    await upload(`${folder}lost.txt`, 'lost');
    const lost = await s3.send(new ListObjectVersionsCommand({ Bucket: outputs.BackupBucketName, Prefix: `${folder}lost.txt` }));
    for (const v of lost.Versions ?? []) await s3.send(new DeleteObjectCommand({ Bucket: outputs.BackupBucketName, Key: v.Key, VersionId: v.VersionId }));
    const findings = () => page.locator('table.findings tbody tr').evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent)));

    // Act
    await page.goto(consoleServer!.url);
    await page.getByLabel('prefix').fill(folder);
    await page.getByRole('button', { name: 'Reconcile' }).click();
    const found = await findings();
    await page.goto(consoleServer!.url);
    await page.getByLabel('prefix').fill(folder);
    await page.getByLabel('and repair what it finds').check();
    await page.getByRole('button', { name: 'Reconcile' }).click();
    const repaired = await findings();

    // Assess
    expect(found.map((cells) => cells.slice(0, 2))).toEqual([[`${folder}kept.txt`, 'ok'], [`${folder}lost.txt`, 'missing']]);
    expect(repaired.map((cells) => [cells[1], cells[3]?.split(':')[0]])).toEqual([['ok', ''], ['missing', 'ok']]);
  });

  it('pages through a long history to its oldest backup version, and restores that one over the newest', async () => {
    // Prepare: seven uploads of one key, each backed up
    const key = `drafts/long ${Date.now()}.txt`;
    const sources: string[] = [];
    for (let draft = 0; draft < 7; draft += 1) sources.push(await upload(key, `draft ${draft}`));
    // Act: from the newest versions, on to the older ones until there are none
    await page.goto(new URL(keyHref(key), consoleServer!.url).href);
    const pages: string[][] = [];
    for (;;) {
      pages.push(await page.locator('table.versions tbody tr td:nth-child(4) code').allTextContents());
      const older = page.getByRole('link', { name: 'older versions →' });
      if ((await older.count()) === 0) break;
      await older.first().click();
    }
    await page.getByRole('button', { name: 'Restore' }).last().click();
    const question = await page.locator('#overwrite-question').textContent();
    await page.getByRole('button', { name: 'Overwrite' }).click();
    const overwritten = await page.locator('ul.results').textContent();
    // Assess
    expect(pages).toEqual([sources.slice(4).reverse(), sources.slice(1, 4).reverse(), sources.slice(0, 1)]);
    expect(question).toContain(`s3://${live().outputs.InboxBucketName}/${key} exists`);
    expect(overwritten).toContain(`overwrote s3://${live().outputs.InboxBucketName}/${key}`);
    const body = await (await live().s3.send(new GetObjectCommand({ Bucket: live().outputs.InboxBucketName, Key: key }))).Body?.transformToString();
    expect(body).toBe('draft 0');
  });

  it('restores a key holding a carriage return, which a form field would turn into a line break', async () => {
    // Prepare: backed up, then lost from the inbox
    const key = `docs/cr\r${Date.now()}.txt`;
    await upload(key, 'kept through its odd name');
    await live().s3.send(new DeleteObjectCommand({ Bucket: live().outputs.InboxBucketName, Key: key }));
    // Act
    await page.goto(new URL(keyHref(key), consoleServer!.url).href);
    await page.getByRole('button', { name: 'Restore' }).click();
    const results = await page.locator('ul.results').textContent();
    // Assess
    expect(results).toContain('restored s3://');
    const body = await (await live().s3.send(new GetObjectCommand({ Bucket: live().outputs.InboxBucketName, Key: key }))).Body?.transformToString();
    expect(body).toBe('kept through its odd name');
  });

  it('shows a key that looks like markup as text, on the overview and on its own page', async () => {
    // Prepare
    await upload(hostileKey, 'not markup');
    // Act
    await page.goto(`${consoleServer!.url}?q=${encodeURIComponent('xss/')}`);
    const link = page.locator(`table.backups a[href="${keyHref(hostileKey)}"]`);
    const shown = await link.textContent();
    const imagesOnOverview = await page.locator('main img').count();
    await link.click();
    const subject = await page.locator('p.subject .key').textContent();
    const imagesOnKeyPage = await page.locator('main img').count();
    // Assess
    expect(shown).toBe(hostileKey);
    expect(subject).toBe(hostileKey);
    expect([imagesOnOverview, imagesOnKeyPage]).toEqual([0, 0]);
    expect(dialogs).toEqual([]);
  });

  it('answers no request that another site’s page starts, such as an image that would list (and so hide) the parked events', async () => {
    // Prepare: a page elsewhere on this machine embeds the console's overview as an image
    const elsewhere = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(`<img src="${consoleServer!.url}">`));
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const statuses: number[] = [];
    const onResponse = (response: Response) => {
      if (response.url() === consoleServer!.url) statuses.push(response.status());
    };
    const since = Date.now();
    try {
      // Act: that page loads (its image included), then the owner opens the overview
      page.on('response', onResponse);
      await page.goto(`http://localhost:${(elsewhere.address() as AddressInfo).port}/`);
      page.off('response', onResponse);
      const ownView = Date.now();
      await page.goto(consoleServer!.url);
      const receives = await waitFor('the overview’s listing in the request log', async () => {
        const records = (await emulatorRequests(stack!.emulator.endpoint, since)).filter((record) => record.operation === 'ReceiveMessage');
        return records.length > 0 ? records : undefined;
      }, { timeoutMs: 10_000, intervalMs: 200 });
      // Assess: only the owner's view received messages, and the image got a refusal
      expect(receives.filter((record) => record.startMs < ownView)).toEqual([]);
      expect(statuses).toEqual([403]);
    } finally {
      page.off('response', onResponse);
      elsewhere.closeAllConnections();
      elsewhere.close();
    }
  });

  it('saves a screenshot of the main view', async () => {
    // Act
    await page.goto(consoleServer!.url);
    await mkdir(reportsDir, { recursive: true });
    const file = join(reportsDir, 'console.png');
    await page.screenshot({ path: file, fullPage: true });
    // Assess
    expect(existsSync(file)).toBe(true);
    expect(await page.locator('#identical-artefact').textContent()).toContain('runs this artefact');
  });
});
