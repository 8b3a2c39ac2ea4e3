import { spawnSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { describeArtefact, HANDLER_ENTRY } from '../lib/artefact.js';
import { functionNodeFor } from '../lib/function-node.js';
import { artefactPath } from '../lib/paths.js';
import { projectPython } from '../lib/python.js';
import type { Target } from '../lib/targets.js';
import { scratchDir } from './scratch-dirs.js';

/** The deployed zip unpacked, with the Node its runtime runs on and the environment the function gets. */
export type UnpackedFunction = {
  readonly node: string;
  readonly memoryMb: number;
  /** The handler's module (index.cjs), loaded with require() as Lambda's runtime does. */
  readonly entry: string;
  readonly env: NodeJS.ProcessEnv;
};

/** One unpacked copy of the deployed function for the whole run: made on first use, removed when the bench closes. */
export type FunctionCopy = {
  unpacked(): Promise<UnpackedFunction>;
  remove(): Promise<void>;
};

/**
 * Unpacks the artefact that the stack runs (dist/handler.zip, checked against the function's CodeSha256), to run
 * its handler outside any Lambda runtime: the function's own environment variables, the target's endpoint,
 * region and test credentials, the Node binary the emulators choose for the function's runtime.
 */
async function unpackFunction(lambda: LambdaClient, target: Target, functionName: string, codeDir: string): Promise<UnpackedFunction> {
  const configuration = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  const node = functionNodeFor(configuration.Runtime ?? '');
  const { codeSha256 } = describeArtefact(await readFile(artefactPath));
  if (codeSha256 !== configuration.CodeSha256) {
    throw new Error(`${artefactPath} (CodeSha256 ${codeSha256}) is not the code ${functionName} runs (${configuration.CodeSha256}): run the bench again, it deploys the current build first`);
  }
  const unzip = spawnSync(projectPython(), ['-m', 'zipfile', '-e', artefactPath, codeDir], { encoding: 'utf8' });
  if (unzip.status !== 0) throw new Error(`cannot unpack ${artefactPath}: ${unzip.stderr}`);
  return {
    node,
    memoryMb: configuration.MemorySize ?? 128,
    entry: join(codeDir, HANDLER_ENTRY),
    env: {
      PATH: process.env.PATH,
      AWS_REGION: target.region,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      ...(target.endpoint ? { AWS_ENDPOINT_URL: target.endpoint } : {}),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...configuration.Environment?.Variables,
    },
  };
}

/** The measurements that run the handler outside the runtime share one copy; a failure to make it fails each of them alike. */
export function functionCopy(lambda: LambdaClient, target: Target, functionName: string): FunctionCopy {
  let codeDir: string | undefined;
  let unpacking: Promise<UnpackedFunction> | undefined;
  return {
    unpacked() {
      unpacking ??= scratchDir('code').then((dir) => {
        codeDir = dir;
        return unpackFunction(lambda, target, functionName, dir);
      });
      return unpacking;
    },
    async remove() {
      if (codeDir) await rm(codeDir, { recursive: true, force: true });
    },
  };
}
