import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { projectRoot } from '../../scripts/lib/paths.js';

/** Each esbuild build of the SDK takes about a second on an idle machine and several under load: room, not a timing. */
export const BUILD_TIMEOUT_MS = 60_000;

/**
 * A module's source bundled with the project's packages (their ES-module builds, as the handler's bundle takes them)
 * through the given esbuild plugins, written as an ES module to a file of its own and imported: what a build plugin
 * makes of the SDK, run.
 */
export async function importBundle<T>(contents: string, plugins: Plugin[], name: string): Promise<T> {
  const bundle = await build({
    stdin: { contents, resolveDir: projectRoot, loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    mainFields: ['module', 'main'],
    plugins,
    write: false,
    logLevel: 'silent',
  });
  const file = join(await mkdtemp(join(tmpdir(), `${name}-`)), `${name}.mjs`);
  await writeFile(file, bundle.outputFiles[0]!.contents);
  return (await import(pathToFileURL(file).href)) as T;
}
