import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { HANDLER_ENTRY } from '../lib/artefact.js';
import { functionNodeFor } from '../lib/function-node.js';
import { artefactPath } from '../lib/paths.js';
import type { BenchContext } from './context.js';
import type { BenchRow } from './report.js';
import { describeSpread, formatNumber, spreadOf } from './stats.js';

function timeProcess(node: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(node, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${node} ${args.join(' ')} exited with ${code}: ${stderr.trim()}`))));
  });
}

/**
 * Process start to handler ready: a new Node process loads the deployed zip's handler with the function's
 * environment (configuration validated, clients created), with require() as Lambda's runtime loads a .cjs
 * file, and exits; the floor is the same Node binary doing nothing (`node -e 0`). The two alternate, so that
 * a change in the machine's load affects both alike.
 */
export async function measureColdInit(context: BenchContext): Promise<BenchRow> {
  const repeats = context.quick ? 8 : 20;
  const configuration = await context.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: context.outputs.BackupFunctionName }));
  const node = functionNodeFor(configuration.Runtime ?? '');
  const codeDir = await mkdtemp(join(tmpdir(), 'backup-kit-bench-code-'));
  try {
    const unzip = spawnSync('python3', ['-m', 'zipfile', '-e', artefactPath, codeDir], { encoding: 'utf8' });
    if (unzip.status !== 0) throw new Error(`cannot unpack ${artefactPath}: ${unzip.stderr}`);
    const env = {
      PATH: process.env.PATH,
      AWS_REGION: context.target.region,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      ...(context.target.endpoint ? { AWS_ENDPOINT_URL: context.target.endpoint } : {}),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...configuration.Environment?.Variables,
    };
    const entry = join(codeDir, HANDLER_ENTRY);
    const loadHandler = ['-e', `const m = require(${JSON.stringify(entry)}); if (typeof m.handler !== 'function') process.exit(3);`];
    const handler: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < repeats; i += 1) {
      bare.push(await timeProcess(node, ['-e', '0'], env));
      handler.push(await timeProcess(node, loadHandler, env));
    }
    const measured = spreadOf(handler);
    const floor = spreadOf(bare);
    const ratio = measured.median / floor.median;
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    return {
      figure: 'cold init vs bare node',
      measured: `${formatNumber(measured.median)} ms`,
      floor: `${formatNumber(floor.median)} ms (node -e 0)`,
      ratio,
      target: '≤ 1.8×',
      withinTarget: ratio <= 1.8,
      noise: `handler ${describeSpread(measured, ' ms')}; bare ${describeSpread(floor, ' ms')}; node ${version}`,
      data: { handlerMs: measured, bareNodeMs: floor, node: version },
    };
  } finally {
    await rm(codeDir, { recursive: true, force: true });
  }
}
