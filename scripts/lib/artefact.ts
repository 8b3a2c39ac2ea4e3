import { createHash } from 'node:crypto';
import { access, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import yazl from 'yazl';
import { UsageError } from './cli.js';
import { prepareOutputFolder, refuseFolderAt } from './output-folder.js';
import { artefactInputsPath, artefactPath, artefactShaPath, distDir, handlerDir, projectRoot } from './paths.js';
import { literalSchemaKeys } from './sdk-schema-keys.js';
import { staticSdkImports } from './sdk-static-imports.js';
import { whileLocked } from './start-lock.js';

/** `make build` fails above this size: a lean zip is a fast cold start. */
export const ARTEFACT_BUDGET_BYTES = 200 * 1024;

/** The zip's entry, and the Lambda handler string that names it. */
export const HANDLER_ENTRY = 'index.cjs';
export const HANDLER_NAME = 'index.handler';

/**
 * A fixed timestamp and mode make two builds of the same source byte-identical. Zip timestamps are local time
 * (yazl reads the Date's local parts), so the timestamp is made of local parts when the zip is written: the
 * same in every builder's timezone.
 */
const fixedLocalTime = () => new Date(2000, 0, 1, 0, 0, 0);
const FILE_MODE = 0o100644;

export type Artefact = {
  readonly bytes: Buffer;
  /** Hex sha256 of the zip, as written to dist/handler.zip.sha256. */
  readonly sha256: string;
  /** The same digest in base64: what Lambda reports as the function's CodeSha256. */
  readonly codeSha256: string;
};

/** An artefact just built, with the digest of what it was built from (`inputsDigest`). */
export type BuiltArtefact = Artefact & { readonly inputsDigest: string };

export function describeArtefact(bytes: Buffer): Artefact {
  const digest = createHash('sha256').update(bytes).digest();
  return { bytes, sha256: digest.toString('hex'), codeSha256: digest.toString('base64') };
}

/**
 * The handler bundled into one CommonJS file (SDK included) for Node 20+. Lambda's Node runtime loads a .cjs
 * file with require(), and V8 compiles the same code as a script faster than as an ES module: about 7% of the
 * cold init in a side test (109 ms against 117 ms on this machine; inside the bench's noise). `.cjs`, not `.js`: a .js file is an ES module wherever a
 * package.json above it says "type": "module", as this project's does (the emulators scope the code they unpack
 * to CommonJS, kit_lambda_runtime/module_scope.py, but a .cjs file needs no such help).
 */
export function bundleHandler(): Promise<Buffer> {
  return bundleForLambda(join(handlerDir, 'index.ts'));
}

/** esbuild's settings for one entry bundled as the handler is (the bench bundles the SDK's clients alone so). */
export function lambdaBuildOptions(entryPoint: string): BuildOptions & { readonly write: false } {
  return {
    entryPoints: [entryPoint],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // The SDK's ES-module builds tree-shake; its CommonJS builds (esbuild's default on node) drag in the whole
    // client, a browser user-agent parser included: together with the credential alias, about 113 KiB zipped instead of 202.
    mainFields: ['module', 'main'],
    // Credentials come from the environment in Lambda: see handler/lambda-credentials.ts.
    alias: { '@aws-sdk/credential-provider-node': join(handlerDir, 'lambda-credentials.ts') },
    // Only the SDK schemas its commands reach (sdk-schema-keys.ts); no module in a lazy initialiser (sdk-static-imports.ts).
    plugins: [literalSchemaKeys, staticSdkImports],
    minify: true,
    write: false,
    legalComments: 'none',
    absWorkingDir: projectRoot,
    logLevel: 'silent',
  };
}

/** One entry bundled as the handler is, with the same settings. */
export async function bundleForLambda(entryPoint: string): Promise<Buffer> {
  const bundle = await build(lambdaBuildOptions(entryPoint));
  const code = bundle.outputFiles[0];
  if (!code) throw new Error(`esbuild produced no output for ${relative(projectRoot, entryPoint)}`);
  return Buffer.from(code.contents);
}

/** A zip over its size budget: refused before it is written, so that neither `make build` nor a deploy ships it. */
export class ArtefactOverBudget extends Error {
  override readonly name = 'ArtefactOverBudget';
}

/** A size in KiB, one decimal unless whole (the budget: 200 KiB). */
export const kib = (bytes: number) => `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;

/**
 * Bundles the handler and zips it deterministically; a zip over `budgetBytes` is refused. Its inputs are read
 * before the bundle is made: a source edited during the build makes the zip stale, not falsely fresh.
 */
export async function buildArtefact(budgetBytes = ARTEFACT_BUDGET_BYTES): Promise<BuiltArtefact> {
  const digest = await inputsDigest();
  const artefact = { ...describeArtefact(await zip(await bundleHandler())), inputsDigest: digest };
  if (artefact.bytes.length > budgetBytes) {
    throw new ArtefactOverBudget(
      `the zip is ${kib(artefact.bytes.length)}, over its budget of ${kib(budgetBytes)}: find what the handler newly pulls in (esbuild --metafile) and trim it; nothing was written`,
    );
  }
  return artefact;
}

function zip(contents: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const archive = new yazl.ZipFile();
    archive.addBuffer(contents, HANDLER_ENTRY, { mtime: fixedLocalTime(), mode: FILE_MODE, compress: true, forceDosTimestamp: true });
    archive.end();
    const chunks: Buffer[] = [];
    archive.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    archive.outputStream.on('error', reject);
    archive.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/**
 * Writes the zip, its sha256 and, last, what it was built from with the sha256 of the zip it made: a write cut short, a
 * zip put in its place by hand, or two builds that crossed leave a zip that counts as stale.
 */
export async function writeArtefact(artefact: BuiltArtefact): Promise<void> {
  await prepareOutputFolder(distDir, "the handler's zip");
  for (const [file, holds] of [[artefactPath, "the handler's zip"], [artefactShaPath, "the zip's sha256"], [artefactInputsPath, 'what the zip was built from']] as const) await refuseFolderAt(file, holds);
  await rm(artefactInputsPath, { force: true });
  await writeFile(artefactPath, artefact.bytes);
  await writeFile(artefactShaPath, `${artefact.sha256}  handler.zip\n`);
  await writeFile(artefactInputsPath, `${artefact.inputsDigest} ${artefact.sha256}\n`);
}

/** The zip in dist/ is not the one its recorded sha256 names: changed after its build. */
export class ArtefactMismatch extends Error {
  override readonly name = 'ArtefactMismatch';
}

export async function readArtefact(): Promise<Artefact> {
  const bytes = await readFile(artefactPath);
  const artefact = describeArtefact(bytes);
  const recorded = (
    await readFile(artefactShaPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw new Error(`${artefactShaPath} is missing, so ${artefactPath} cannot be checked: run \`make build\` again.`);
      throw error;
    })
  ).split(/\s+/)[0];
  if (recorded !== artefact.sha256) {
    throw new ArtefactMismatch(`${artefactPath} does not match its recorded sha256 (${recorded}); run \`make build\` again.`);
  }
  return artefact;
}

/** npm's record of the installed packages (counted by installedPackagesRecord). */
const installedPackagesPath = join(projectRoot, 'node_modules', '.package-lock.json');

/**
 * What the zip is built from besides the handler's sources: the package (its "type" decides how esbuild reads the
 * sources), the dependencies' versions as locked and as npm recorded their install, the build's own options (this
 * file: esbuild's settings, the credential alias, the budget; and the plugins that rewrite the SDK's schemas and its
 * on-demand imports), the TypeScript settings esbuild reads and esbuild's version. A change to any of them makes the
 * zip stale, as an edited source does.
 */
export const BUILD_CONFIGURATION_FILES = [
  join(projectRoot, 'package.json'),
  join(projectRoot, 'package-lock.json'),
  installedPackagesPath,
  join(projectRoot, 'scripts', 'lib', 'artefact.ts'),
  join(projectRoot, 'scripts', 'lib', 'sdk-schema-keys.ts'),
  join(projectRoot, 'scripts', 'lib', 'sdk-static-imports.ts'),
  join(projectRoot, 'tsconfig.json'),
  join(projectRoot, 'node_modules', 'esbuild', 'package.json'),
] as const;

/**
 * What counts of npm's record of the installed packages: each package's path, version and integrity, leaving out the
 * optional ones. Those are the platform's own (esbuild's binary for this OS and CPU, a native add-on whose build may be
 * skipped), so the same lock installed on macOS, on Linux or in compose's deployer container called a zip built
 * elsewhere stale, and the deployer's rebuild made `make deploy-aws` refuse the zip the host had tested. A record npm
 * wrote in another shape counts as it is.
 */
export function installedPackagesRecord(text: string): string {
  try {
    const packages = (JSON.parse(text) as { packages?: Record<string, { version?: string; integrity?: string; optional?: boolean }> }).packages ?? {};
    const kept = Object.entries(packages)
      .filter(([, entry]) => !entry.optional)
      .map(([path, entry]) => [path, entry.version ?? '', entry.integrity ?? ''])
      .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0));
    return JSON.stringify(kept);
  } catch {
    return text;
  }
}

/**
 * Whether a name under handler/ is a file esbuild could read: not a folder, nor a symbolic link to nothing (the lock an
 * editor keeps beside a file it has open, Emacs' `.#index.ts`, whose stat failed every build and deploy with ENOENT),
 * nor a file deleted since it was listed.
 */
const isFile = (file: string) =>
  stat(file).then(
    (stats) => stats.isFile(),
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );

/**
 * One digest of every file under handler/ and of the build's configuration, by path and content: modification
 * times would call a zip fresh after sources were copied in with older times, or rebuilt it after a mere touch.
 */
export async function inputsDigest(): Promise<string> {
  const names = (await readdir(handlerDir, { recursive: true })).map((name) => join(handlerDir, name));
  const sources = (await Promise.all(names.map(async (file) => ((await isFile(file)) ? [file] : [])))).flat();
  const inputs = [...sources, ...BUILD_CONFIGURATION_FILES].sort();
  const hash = createHash('sha256');
  for (const file of inputs) {
    const read = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return Buffer.from('(missing)');
      throw error;
    });
    const content = file === installedPackagesPath ? Buffer.from(installedPackagesRecord(read.toString('utf8'))) : read;
    hash.update(`${relative(projectRoot, file)}\0${content.length}\0`).update(content);
  }
  return hash.digest('hex');
}

const exists = (file: string) => access(file).then(() => true, () => false);

/** Held while dist/ is checked, built or written: two builds at once (two terminals, a deploy beside `make build`) wait in turn. */
const BUILD_LOCK = join(distDir, '.build.lock');

/** Runs `work` as the only build of dist/ under way. */
export async function oneBuildAtATime<T>(work: () => Promise<T>): Promise<T> {
  await prepareOutputFolder(distDir, "the handler's zip");
  return whileLocked(BUILD_LOCK, { what: 'build of dist/handler.zip', timeoutMs: 120_000 }, work);
}

/** The zip in dist/ when it is the one the build made from the current sources and build configuration, else why not. */
type Current = { readonly artefact: Artefact } | { readonly stale: string };

async function currentArtefact(): Promise<Current> {
  if (!(await exists(artefactPath))) return { stale: 'dist/ held no zip' };
  if (!(await exists(artefactShaPath))) return { stale: 'the zip in dist/ had no sha256 recorded beside it' };
  // The record of an older kit holds the inputs' digest alone, without the zip's sha256.
  const [recordedInputs, recordedZip] = await readFile(artefactInputsPath, 'utf8').then((text) => text.trim().split(' '), () => []);
  if (recordedInputs === undefined || recordedZip === undefined) return { stale: "nothing recorded what the zip in dist/ was built from (a build cut short, or an older kit's zip)" };
  if (recordedInputs !== (await inputsDigest())) return { stale: 'the handler sources, packages or build configuration changed since its build' };
  // A zip changed after its build (its .sha256 no longer matches) is no more the build's than one put in its place.
  const artefact = await readArtefact().catch((error: unknown) => {
    if (error instanceof ArtefactMismatch) return undefined;
    throw error;
  });
  if (!artefact) return { stale: 'the zip in dist/ was changed after its build: it no longer matched the sha256 recorded beside it' };
  if (artefact.sha256 !== recordedZip) {
    return { stale: `the zip in dist/ (sha256 ${artefact.sha256.slice(0, 12)}…) was not the one the build made (${recordedZip.slice(0, 12)}…): put there by hand, or by a build that crossed this one` };
  }
  return { artefact };
}

/**
 * The built artefact as it is, never built here: what a deploy to AWS promotes is the zip the local suites ran, so one
 * missing or stale is refused (exit 2) instead of built and shipped untested.
 */
export async function builtArtefact(): Promise<Artefact> {
  const current = await oneBuildAtATime(currentArtefact);
  if ('artefact' in current) return current.artefact;
  throw new UsageError(
    `dist/handler.zip is not the zip built from the current handler sources and build configuration (${current.stale}), so it is not the one the local suites tested: ` +
      'run `make build`, test it (`make test`, `make matrix`), then deploy it',
  );
}

/** The artefact a deploy goes on with: the zip in dist/, or one built now, and why it was. */
export type FreshArtefact = { readonly artefact: Artefact; readonly rebuilt: false } | { readonly artefact: Artefact; readonly rebuilt: true; readonly why: string };

/**
 * The built artefact, rebuilt first when it is missing, was built from other sources or another build configuration,
 * or is not the zip the build made from them (its sha256 is not the one the build recorded with its inputs).
 */
export function freshArtefact(): Promise<FreshArtefact> {
  return oneBuildAtATime(async () => {
    const current = await currentArtefact();
    if ('artefact' in current) return { artefact: current.artefact, rebuilt: false };
    const built = await buildArtefact();
    await writeArtefact(built);
    return { artefact: { bytes: built.bytes, sha256: built.sha256, codeSha256: built.codeSha256 }, rebuilt: true, why: current.stale };
  });
}

/** The content-addressed key an artefact is uploaded under. */
export function artefactKey(artefact: Artefact): string {
  return `backup-kit/handler-${artefact.sha256}.zip`;
}
