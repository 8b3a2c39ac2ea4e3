import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ARTEFACT_BUDGET_BYTES,
  ArtefactOverBudget,
  artefactKey,
  BUILD_CONFIGURATION_FILES,
  buildArtefact,
  bundleHandler,
  describeArtefact,
  builtArtefact,
  freshArtefact,
  inputsDigest,
  installedPackagesRecord,
  readArtefact,
} from '../../scripts/lib/artefact.js';
import { UsageError } from '../../scripts/lib/cli.js';
import { artefactInputsPath, artefactPath, artefactShaPath, distDir, handlerDir, projectRoot } from '../../scripts/lib/paths.js';

/**
 * dist/ as files in memory (the real one is never read or written here), and the handler sources' contents and
 * modification times as a test sets them; every other file is the real one.
 */
const dist = new Map<string, { data: Buffer; mtimeMs: number }>();
const sourceTimes = new Map<string, number>();
const sourceContents = new Map<string, string>();
let defaultSourceTime = 1_000;
let failingWrite: string | undefined;
/** Symbolic links to nothing under handler/, as an editor leaves them (Emacs' lock `.#index.ts`): listed, and stat fails on them. */
const danglingLinks = new Set<string>();
/** Folders in dist/ where the build writes files (a `mkdir dist/handler.zip` by hand). */
const distFolders = new Set<string>();
const missing = (path: string) => Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
const inDist = (path: unknown) => typeof path === 'string' && (path === distDir || path.startsWith(`${distDir}/`));
let clock = 5_000;

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const readFile = vi.fn(async (path: string, encoding?: BufferEncoding) => {
    const content = sourceContents.get(path);
    if (content !== undefined) return encoding ? content : Buffer.from(content);
    if (!inDist(path)) return actual.readFile(path, encoding);
    const file = dist.get(path);
    if (!file) throw missing(path);
    return encoding ? file.data.toString(encoding) : file.data;
  });
  const writeFile = vi.fn(async (path: string, data: string | Buffer) => {
    if (!inDist(path)) throw new Error(`a test wrote outside dist/: ${path}`);
    if (path === failingWrite) throw Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: 'ENOSPC' });
    dist.set(path, { data: Buffer.from(data), mtimeMs: (clock += 1) });
  });
  const rm = vi.fn(async (path: string) => {
    if (!inDist(path)) throw new Error(`a test removed a file outside dist/: ${path}`);
    dist.delete(path);
  });
  const mkdir = vi.fn(async (path: string, options?: { recursive?: boolean }) => {
    if (!inDist(path)) throw new Error(`a test made a directory outside dist/: ${path}`);
    // As mkdir does: a directory that exists is an error unless asked for recursively.
    if (dist.size > 0 && !options?.recursive) throw Object.assign(new Error(`EEXIST: file already exists, mkdir '${path}'`), { code: 'EEXIST' });
  });
  const readdir = vi.fn(async (path: string, options: { recursive: true }) => {
    const names = await actual.readdir(path, options);
    return path === handlerDir ? [...names, ...[...danglingLinks].map((link) => link.slice(handlerDir.length + 1))] : names;
  });
  const stat = vi.fn(async (path: string) => {
    if (danglingLinks.has(path)) throw Object.assign(new Error(`ENOENT: no such file or directory, stat '${path}'`), { code: 'ENOENT' });
    if (distFolders.has(path)) return { mtimeMs: 0, isFile: () => false, isDirectory: () => true } as Stats;
    if (inDist(path)) {
      const file = dist.get(path);
      if (!file) throw missing(path);
      return { mtimeMs: file.mtimeMs, isFile: () => true, isDirectory: () => false } as Stats;
    }
    if (path.startsWith(`${handlerDir}/`) || (BUILD_CONFIGURATION_FILES as readonly string[]).includes(path)) {
      return Object.assign(await actual.stat(path), { mtimeMs: sourceTimes.get(path) ?? defaultSourceTime }) as Stats;
    }
    return actual.stat(path);
  });
  const access = vi.fn(async (path: string) => {
    if (!inDist(path)) return actual.access(path);
    if (distFolders.has(path)) return;
    if (!dist.has(path)) throw missing(path);
  });
  return { ...actual, readFile, writeFile, mkdir, readdir, stat, rm, access };
});

// Two esbuild builds take about a second on an idle machine and several under load: a correctness test, not a
// timed one, so it gets room instead of vitest's 5 s default.
const TWO_BUILDS_TIMEOUT_MS = 120_000;

describe('the handler artefact', () => {
  it('is byte-identical across two builds of the same source', async () => {
    // Act
    const first = await buildArtefact();
    const second = await buildArtefact();
    // Assess
    expect(second.sha256).toBe(first.sha256);
    expect(Buffer.compare(first.bytes, second.bytes)).toBe(0);
  }, TWO_BUILDS_TIMEOUT_MS);

  it('is byte-identical across builders in different timezones', async () => {
    // Prepare: zip timestamps are local time; the promoted zip must not depend on where it was built
    const timezone = process.env.TZ;
    const digests: string[] = [];
    // Act: one build at a time, each under its own TZ
    try {
      for (const zone of ['UTC', 'Europe/Berlin', 'America/New_York']) {
        process.env.TZ = zone;
        digests.push((await buildArtefact()).sha256);
      }
    } finally {
      if (timezone === undefined) delete process.env.TZ;
      else process.env.TZ = timezone;
    }
    // Assess
    expect(new Set(digests).size).toBe(1);
  }, TWO_BUILDS_TIMEOUT_MS);

  it("reports its digest as hex for the file and as base64 for Lambda's CodeSha256", () => {
    // Prepare
    const bytes = Buffer.from('zip bytes');
    const digest = createHash('sha256').update(bytes).digest();
    // Act
    const artefact = describeArtefact(bytes);
    // Assess
    expect(artefact.sha256).toBe(digest.toString('hex'));
    expect(artefact.codeSha256).toBe(digest.toString('base64'));
    expect(artefactKey(artefact)).toBe(`backup-kit/handler-${digest.toString('hex')}.zip`);
  });

  it('stays within its size budget, without the SDK credential chain that Lambda never uses nor the SDK schemas its commands never reach', async () => {
    // Act
    const artefact = await buildArtefact();
    // Assess
    expect(artefact.bytes.length).toBeLessThanOrEqual(ARTEFACT_BUDGET_BYTES);
    const code = (await bundleHandler()).toString('utf8');
    expect(code).not.toContain('AWS_WEB_IDENTITY_TOKEN_FILE');
    expect(code).not.toContain('sso_start_url');
    // The schemas as scripts/lib/sdk-schema-keys.ts lets esbuild leave them out: S3's other operations' go, the handler's stay.
    const inBundle = (names: string[]) => names.filter((name) => code.includes(name));
    expect(inBundle(['AnalyticsConfiguration', 'InventoryConfiguration', 'SelectObjectContent', 'LifecycleRule'])).toEqual([]);
    const reached = ['x-amz-copy-source-if-match', 'x-amz-metadata-directive', 'MessageAttributes', 'ListVersionsResult'];
    expect(inBundle(reached)).toEqual(reached);
  }, 60_000);

  it("needs nothing but Node's own modules: every package is in the bundle, as Lambda needs it", async () => {
    // Act
    const code = (await bundleHandler()).toString('utf8');
    // Assess
    // Calls only: the SDK's error messages quote "[require('@aws-sdk/signature-v4a');]" as advice.
    const required = [...code.matchAll(/(?<![[\w.$])require\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((match) => match[1]!);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((name) => !isBuiltin(name))).toEqual([]);
  }, 60_000);

  it('is refused when over its budget, before anything is written, so that no deploy ships it', async () => {
    // Act: a budget of 100 KiB, below the zip's size
    const built = buildArtefact(100 * 1024);
    // Assess
    await expect(built).rejects.toThrow(ArtefactOverBudget);
    await expect(built).rejects.toThrow(/^the zip is 1\d\d(\.\d)? KiB, over its budget of 100 KiB: find what the handler newly pulls in \(esbuild --metafile\) and trim it; nothing was written$/);
  }, 60_000);
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe("npm's record of the installed packages, as the build's inputs count it", () => {
  const record = (packages: Record<string, object>, extra: object = {}) => JSON.stringify({ name: 'backup-kit', lockfileVersion: 3, ...extra, packages });
  const sdk = { version: '3.1.0', integrity: 'sha512-sdk', license: 'Apache-2.0' };

  it("is the same on every platform: another OS's optional packages, npm's other fields and their order do not count", () => {
    // Prepare
    const onLinux = record({ 'node_modules/@aws-sdk/client-s3': sdk, 'node_modules/@esbuild/linux-x64': { version: '0.25.0', integrity: 'sha512-linux', optional: true, os: ['linux'] }, 'node_modules/cpu-features': { version: '0.0.10', integrity: 'sha512-cpu', optional: true } });
    const onMac = record({ 'node_modules/@esbuild/darwin-arm64': { version: '0.25.0', integrity: 'sha512-darwin', optional: true, os: ['darwin'] }, 'node_modules/@aws-sdk/client-s3': { integrity: 'sha512-sdk', version: '3.1.0' } }, { requires: true });
    // Act
    const [linux, mac] = [installedPackagesRecord(onLinux), installedPackagesRecord(onMac)];
    // Assess
    expect(linux).toBe(mac);
  });

  it('changes with a version or the integrity of a package the bundle may take, and counts an unreadable record as it is', () => {
    // Prepare
    const installed = record({ 'node_modules/@aws-sdk/client-s3': sdk });
    // Act
    const records = [
      installedPackagesRecord(installed),
      installedPackagesRecord(record({ 'node_modules/@aws-sdk/client-s3': { ...sdk, version: '3.1.1' } })),
      installedPackagesRecord(record({ 'node_modules/@aws-sdk/client-s3': { ...sdk, integrity: 'sha512-other' } })),
      installedPackagesRecord('{ not json'),
    ];
    // Assess
    expect(new Set(records).size).toBe(4);
    expect(records[3]).toBe('{ not json');
  });
});

describe('the built artefact in dist/', () => {
  beforeEach(() => {
    dist.clear();
    sourceTimes.clear();
    sourceContents.clear();
    defaultSourceTime = 1_000;
    failingWrite = undefined;
    danglingLinks.clear();
    distFolders.clear();
  });

  /**
   * A zip in dist/ with the sha256 recorded beside it and the digest of the sources it was built from (with the sha256
   * of the zip the build made), as `make build` writes them, at a modification time.
   */
  const built = async (bytes: Buffer, recorded: string, mtimeMs: number) => {
    dist.set(artefactPath, { data: bytes, mtimeMs });
    dist.set(artefactShaPath, { data: Buffer.from(`${recorded}  handler.zip\n`), mtimeMs });
    dist.set(artefactInputsPath, { data: Buffer.from(`${await inputsDigest()} ${recorded}\n`), mtimeMs });
  };

  it('is read when it matches the sha256 recorded beside it', async () => {
    // Prepare
    const bytes = Buffer.from('zip bytes');
    await built(bytes, sha256(bytes), 2_000);
    // Act
    const artefact = await readArtefact();
    // Assess
    expect(artefact).toEqual(describeArtefact(bytes));
  });

  it('is refused when it does not match the sha256 recorded beside it, or when none is', async () => {
    // Prepare: the zip was changed after it was built
    await built(Buffer.from('zip bytes, changed'), sha256(Buffer.from('zip bytes')), 2_000);
    // Act
    const changed = readArtefact();
    // Assess
    await expect(changed).rejects.toThrow(`${artefactPath} does not match its recorded sha256 (${sha256(Buffer.from('zip bytes'))}); run \`make build\` again.`);
    dist.delete(artefactShaPath);
    await expect(readArtefact()).rejects.toThrow(`${artefactShaPath} is missing, so ${artefactPath} cannot be checked: run \`make build\` again.`);
  });

  it('is used as it is when no handler source or the lock file changed since it was built', async () => {
    // Prepare: the zip in dist/ is not what a build would make now, so a rebuild would show
    const bytes = Buffer.from('zip built before');
    await built(bytes, sha256(bytes), 2_000);
    // Act
    const fresh = await freshArtefact();
    // Assess
    expect(fresh).toEqual({ artefact: describeArtefact(bytes), rebuilt: false });
  });

  it('is used as it is when sources were touched or written again with the same content (a checkout back and forth)', async () => {
    // Prepare
    const bytes = Buffer.from('zip built before');
    await built(bytes, sha256(bytes), 2_000);
    defaultSourceTime = 3_000;
    // Act
    const fresh = await freshArtefact();
    // Assess
    expect(fresh).toEqual({ artefact: describeArtefact(bytes), rebuilt: false });
  });

  it.each([
    ['a handler source', join(handlerDir, 'backup.ts')],
    ['the package', join(projectRoot, 'package.json')],
    ['the lock file', join(projectRoot, 'package-lock.json')],
    ['the installed packages', join(projectRoot, 'node_modules', '.package-lock.json')],
    ["the build's options", join(projectRoot, 'scripts', 'lib', 'artefact.ts')],
    ['the TypeScript settings', join(projectRoot, 'tsconfig.json')],
    ["esbuild's version", join(projectRoot, 'node_modules', 'esbuild', 'package.json')],
  ])('is built again, and written with its sha256, when %s changed since', async (_what, changed) => {
    // Prepare: changed with an older modification time than the zip's, as a copy that keeps times makes it
    const before = Buffer.from('zip built before');
    await built(before, sha256(before), 2_000);
    sourceContents.set(changed, 'changed since the zip was built');
    sourceTimes.set(changed, 500);
    // Act
    const fresh = await freshArtefact();
    // Assess
    expect(fresh).toMatchObject({ rebuilt: true, why: 'the handler sources, packages or build configuration changed since its build' });
    expect(fresh.artefact.sha256).not.toBe(sha256(before));
    expect(dist.get(artefactPath)?.data.equals(fresh.artefact.bytes)).toBe(true);
    expect(dist.get(artefactShaPath)?.data.toString('utf8')).toBe(`${fresh.artefact.sha256}  handler.zip\n`);
  }, 60_000);

  it("is used as it is while an editor's lock link to nothing lies among the handler sources (Emacs' .#index.ts), which esbuild never reads", async () => {
    // Prepare: built before the handler was opened in the editor
    const bytes = Buffer.from('zip built before');
    await built(bytes, sha256(bytes), 2_000);
    danglingLinks.add(join(handlerDir, '.#index.ts'));
    // Act
    const fresh = await freshArtefact();
    // Assess
    expect(fresh).toEqual({ artefact: describeArtefact(bytes), rebuilt: false });
  });

  it('is built again when nothing records what it was built from (a zip of an older kit, or a build cut short)', async () => {
    // Prepare
    const before = Buffer.from('zip built before');
    await built(before, sha256(before), 2_000);
    dist.delete(artefactInputsPath);
    // Act
    const fresh = await freshArtefact();
    // Assess
    expect(fresh).toMatchObject({ rebuilt: true, why: "nothing recorded what the zip in dist/ was built from (a build cut short, or an older kit's zip)" });
    expect(dist.get(artefactInputsPath)?.data.toString('utf8')).toBe(`${await inputsDigest()} ${fresh.artefact.sha256}\n`);
  }, 60_000);

  it('is built again when another zip was put in its place with its own sha256 beside it (by hand, or by a build that crossed this one)', async () => {
    // Prepare: what the build made, then a foreign zip and its sha256 written over it
    const made = Buffer.from('zip the build made');
    await built(made, sha256(made), 2_000);
    const foreign = Buffer.from('a zip from elsewhere');
    dist.set(artefactPath, { data: foreign, mtimeMs: 3_000 });
    dist.set(artefactShaPath, { data: Buffer.from(`${sha256(foreign)}  handler.zip\n`), mtimeMs: 3_000 });
    // Act
    const fresh = await freshArtefact();
    // Assess
    expect(fresh).toMatchObject({
      rebuilt: true,
      why: `the zip in dist/ (sha256 ${sha256(foreign).slice(0, 12)}…) was not the one the build made (${sha256(made).slice(0, 12)}…): put there by hand, or by a build that crossed this one`,
    });
    expect(fresh.artefact.sha256).not.toBe(sha256(foreign));
    expect(dist.get(artefactPath)?.data.equals(fresh.artefact.bytes)).toBe(true);
  }, 60_000);

  it('is built again, or refused for AWS, when the zip was changed after its build and no longer matches its sha256', async () => {
    // Prepare
    const made = Buffer.from('zip the build made');
    await built(made, sha256(made), 2_000);
    dist.set(artefactPath, { data: Buffer.concat([made, Buffer.from('!')]), mtimeMs: 3_000 });
    // Act
    const forAws = builtArtefact();
    // Assess
    await expect(forAws).rejects.toThrow(UsageError);
    await expect(forAws).rejects.toThrow('(the zip in dist/ was changed after its build: it no longer matched the sha256 recorded beside it), so it is not the one the local suites tested');
    const fresh = await freshArtefact();
    expect(fresh).toMatchObject({ rebuilt: true, why: 'the zip in dist/ was changed after its build: it no longer matched the sha256 recorded beside it' });
    expect(dist.get(artefactPath)?.data.equals(fresh.artefact.bytes)).toBe(true);
  }, 60_000);

  it('is promoted to AWS only as built: a stale zip is refused, naming what to run, and nothing is built', async () => {
    // Prepare: one zip built from the current sources, then a source changed
    const bytes = Buffer.from('zip the local suites tested');
    await built(bytes, sha256(bytes), 2_000);
    const asBuilt = await builtArtefact();
    sourceContents.set(join(handlerDir, 'backup.ts'), 'changed since the zip was built');
    // Act
    const stale = builtArtefact();
    // Assess
    expect(asBuilt).toEqual(describeArtefact(bytes));
    await expect(stale).rejects.toThrow(UsageError);
    await expect(stale).rejects.toThrow(/is not the one the local suites tested: run `make build`, test it \(`make test`, `make matrix`\), then deploy it$/);
    expect(dist.get(artefactPath)?.data.equals(bytes)).toBe(true);
  });

  it('is built once when two builds are asked for at once: the second waits for the first and finds its zip fresh', async () => {
    // Prepare: a zip built from other sources
    const before = Buffer.from('zip built before');
    await built(before, sha256(before), 2_000);
    sourceContents.set(join(handlerDir, 'backup.ts'), 'changed since the zip was built');
    // Act
    const both = await Promise.all([freshArtefact(), freshArtefact()]);
    // Assess
    expect(both.map((fresh) => fresh.rebuilt).sort()).toEqual([false, true]);
    expect(both[0].artefact).toEqual(both[1].artefact);
  }, 60_000);

  it('counts as stale after a write of it was cut short, so that the next deploy builds it again', async () => {
    // Prepare: a zip built from other sources, whose rebuild cannot write the new sha256
    const before = Buffer.from('zip built before');
    await built(before, sha256(before), 2_000);
    sourceContents.set(join(handlerDir, 'backup.ts'), 'changed since the zip was built');
    failingWrite = artefactShaPath;
    // Act
    const cutShort = freshArtefact();
    // Assess
    await expect(cutShort).rejects.toThrow('ENOSPC');
    failingWrite = undefined;
    expect((await freshArtefact()).rebuilt).toBe(true);
  }, 60_000);

  it.each([
    ['the zip', artefactPath, 'dist/ held no zip'],
    ['its sha256', artefactShaPath, 'the zip in dist/ had no sha256 recorded beside it'],
  ])('is built again when %s was deleted after its build, though the record of its sources still matches, saying so', async (_what, deleted, why) => {
    // Prepare
    const before = Buffer.from('zip built before');
    await built(before, sha256(before), 2_000);
    dist.delete(deleted);
    // Act
    const fresh = await freshArtefact();
    // Assess
    expect(fresh).toMatchObject({ rebuilt: true, why });
    expect(await readArtefact()).toEqual(fresh.artefact);
  }, 60_000);

  it("is built again when its record is an older kit's, the inputs' digest without the zip's sha256, saying so", async () => {
    // Prepare
    const before = Buffer.from('zip built before');
    await built(before, sha256(before), 2_000);
    dist.set(artefactInputsPath, { data: Buffer.from(`${await inputsDigest()}\n`), mtimeMs: 2_000 });
    // Act
    const fresh = await freshArtefact();
    // Assess
    expect(fresh).toMatchObject({ rebuilt: true, why: "nothing recorded what the zip in dist/ was built from (a build cut short, or an older kit's zip)" });
  }, 60_000);

  it('is refused, with what to do, when a folder stands where the build writes the zip, where it failed with a bare EISDIR', async () => {
    // Prepare
    distFolders.add(artefactPath);
    // Act
    const fresh = freshArtefact();
    // Assess
    await expect(fresh).rejects.toThrow(UsageError);
    await expect(fresh).rejects.toThrow("dist/handler.zip is a folder, where the kit writes the handler's zip: move or remove the folder, then run this again");
    expect(dist.has(artefactShaPath)).toBe(false);
  }, 60_000);

  it('is built and written when there is none', async () => {
    // Act
    const fresh = await freshArtefact();
    // Assess
    expect(fresh).toMatchObject({ rebuilt: true, why: 'dist/ held no zip' });
    expect(await readArtefact()).toEqual(fresh.artefact);
  }, 60_000);
});
