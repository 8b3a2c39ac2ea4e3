import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { describeArtefact, HANDLER_ENTRY } from '../lib/artefact.js';
import { functionNodeFor } from '../lib/function-node.js';
import { artefactPath } from '../lib/paths.js';
import { projectPython } from '../lib/python.js';
import type { BenchContext } from './context.js';

/** The deployed zip unpacked, with the Node its runtime runs on and the environment the function gets. */
export type UnpackedFunction = {
  readonly node: string;
  readonly memoryMb: number;
  /** The handler's module (index.cjs), loaded with require() as Lambda's runtime does. */
  readonly entry: string;
  readonly env: NodeJS.ProcessEnv;
  remove(): Promise<void>;
};

/**
 * Unpacks the artefact that the stack runs (dist/handler.zip, checked against the function's CodeSha256), to run
 * its handler outside any Lambda runtime: the function's own environment variables, the target's endpoint,
 * region and test credentials, the Node binary the emulators choose for the function's runtime.
 */
export async function unpackFunction(context: BenchContext, extraEnv: Readonly<Record<string, string>> = {}): Promise<UnpackedFunction> {
  const configuration = await context.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: context.outputs.BackupFunctionName }));
  const node = functionNodeFor(configuration.Runtime ?? '');
  const { codeSha256 } = describeArtefact(await readFile(artefactPath));
  if (codeSha256 !== configuration.CodeSha256) {
    throw new Error(`${artefactPath} (CodeSha256 ${codeSha256}) is not the code ${context.outputs.BackupFunctionName} runs (${configuration.CodeSha256}): run the bench again, it deploys the current build first`);
  }
  const codeDir = await mkdtemp(join(tmpdir(), 'backup-kit-bench-code-'));
  const unzip = spawnSync(projectPython(), ['-m', 'zipfile', '-e', artefactPath, codeDir], { encoding: 'utf8' });
  if (unzip.status !== 0) {
    await rm(codeDir, { recursive: true, force: true });
    throw new Error(`cannot unpack ${artefactPath}: ${unzip.stderr}`);
  }
  return {
    node,
    memoryMb: configuration.MemorySize ?? 128,
    entry: join(codeDir, HANDLER_ENTRY),
    env: {
      PATH: process.env.PATH,
      AWS_REGION: context.target.region,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      ...(context.target.endpoint ? { AWS_ENDPOINT_URL: context.target.endpoint } : {}),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...configuration.Environment?.Variables,
      ...extraEnv,
    },
    remove: () => rm(codeDir, { recursive: true, force: true }),
  };
}
