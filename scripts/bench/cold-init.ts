import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { bundleForLambda } from '../lib/artefact.js';
import { messageOf } from '../lib/cli.js';
import { projectRoot } from '../lib/paths.js';
import type { BenchContext } from './context.js';
import { countInstructions, valgrindVersion } from './instruction-count.js';
import { breakdownNotMeasured, type BenchRow } from './report.js';
import { runToExit } from './run-to-exit.js';
import { describeSpread, formatNumber, spreadOf, type Spread } from './stats.js';
import type { UnpackedFunction } from './unpacked-function.js';

async function timeProcess(node: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const run = await runToExit(node, args, env);
  if (run.code !== 0) throw new Error(`${node} ${args.join(' ')} exited with ${run.code}: ${run.stderr.trim()}`);
  return run.elapsedMs;
}

const SDK_ENTRY = join(projectRoot, 'scripts', 'bench', 'sdk-clients-entry.ts');

/** A script for `node -e` that loads a module with require() and exits 3 unless it exports `name`. */
const loadScript = (path: string, name: string) => `const m = require(${JSON.stringify(path)}); if (m[${JSON.stringify(name)}] === undefined) process.exit(3);`;

const ms = (value: number) => `${formatNumber(value)} ms`;

/**
 * Process start to handler ready: a new Node process loads the deployed zip's handler with the function's
 * environment (configuration validated, clients created), with require() as Lambda's runtime loads a .cjs
 * file, and exits; the floor is the same Node binary doing nothing (`node -e 0`). Between them, the SDK's
 * clients alone, bundled with the handler's settings (sdk-clients-entry.ts), say how much of the ratio is the
 * SDK's and how much the handler's own. The three alternate, so that a change in the machine's load affects all alike.
 */
export async function measureColdInit(context: BenchContext): Promise<BenchRow[]> {
  const repeats = context.quick ? 8 : 20;
  const unpacked = await context.unpackedFunction();
  const sdkAlone = join(dirname(unpacked.entry), 'sdk-clients-alone.cjs');
  await writeFile(sdkAlone, await bundleForLambda(SDK_ENTRY));
  const handler: number[] = [];
  const sdk: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < repeats; i += 1) {
    bare.push(await timeProcess(unpacked.node, ['-e', '0'], unpacked.env));
    sdk.push(await timeProcess(unpacked.node, ['-e', loadScript(sdkAlone, 'clients')], unpacked.env));
    handler.push(await timeProcess(unpacked.node, ['-e', loadScript(unpacked.entry, 'handler')], unpacked.env));
  }
  const version = spawnSync(unpacked.node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return [...coldInitRows(spreadOf(handler), spreadOf(sdk), spreadOf(bare), version), await measureColdInitInstructions(unpacked)];
}

const INSTRUCTIONS_FIGURE = 'breakdown: cold init in instructions vs bare node';

/**
 * The same load and `node -e 0` once each under valgrind's callgrind, or why not: a breakdown from a tool the bench
 * does not require, so that its absence or its failure is said in the row and fails nothing.
 */
async function measureColdInitInstructions(unpacked: UnpackedFunction): Promise<BenchRow> {
  const valgrind = valgrindVersion();
  if (!valgrind) return breakdownNotMeasured(INSTRUCTIONS_FIGURE, "valgrind is not installed (Debian's valgrind package has it)");
  try {
    const bare = await countInstructions(unpacked.node, ['-e', '0'], unpacked.env);
    const handler = await countInstructions(unpacked.node, ['-e', loadScript(unpacked.entry, 'handler')], unpacked.env);
    return coldInitInstructionsRow(handler, bare, valgrind);
  } catch (error) {
    return breakdownNotMeasured(INSTRUCTIONS_FIGURE, messageOf(error));
  }
}

const millions = (count: number) => `${(count / 1e6).toFixed(1)} M`;

/** The cold init as instructions run: a ratio that a change to the bundle moves and the machine's load does not. */
export function coldInitInstructionsRow(handler: number, bare: number, valgrind: string): BenchRow {
  return {
    figure: INSTRUCTIONS_FIGURE,
    measured: `${millions(handler)} instructions (the zip's index.cjs)`,
    floor: `${millions(bare)} (node -e 0)`,
    ratio: handler / bare,
    target: '—',
    breakdown: true,
    noise: `one run each under ${valgrind}'s callgrind: instructions, not time: within 1% from run to run here, whatever the machine's load`,
    data: { handlerInstructions: handler, bareNodeInstructions: bare, valgrind },
  };
}

/** The cold init row, and its two breakdown rows: the SDK's clients alone against bare Node, the handler against them. */
export function coldInitRows(handler: Spread, sdk: Spread, bare: Spread, node: string): BenchRow[] {
  const ratio = handler.median / bare.median;
  return [
    {
      figure: 'cold init vs bare node',
      measured: ms(handler.median),
      floor: `${ms(bare.median)} (node -e 0)`,
      ratio,
      target: '≤ 1.8×',
      withinTarget: ratio <= 1.8,
      noise: `handler ${describeSpread(handler, ' ms')}; bare ${describeSpread(bare, ' ms')}; node ${node}`,
      data: { handlerMs: handler, sdkClientsAloneMs: sdk, bareNodeMs: bare, node },
    },
    {
      figure: "breakdown: the SDK's clients alone vs bare node",
      measured: `${ms(sdk.median)} (S3Client, SNSClient, the handler's commands)`,
      floor: `${ms(bare.median)} (node -e 0)`,
      ratio: sdk.median / bare.median,
      target: '—',
      breakdown: true,
      noise: `the SDK as the zip holds it, bundled alike, no handler: ${describeSpread(sdk, ' ms')}`,
      data: { sdkClientsAloneMs: sdk, bareNodeMs: bare },
    },
    {
      figure: "breakdown: the handler vs the SDK's clients alone",
      measured: `${ms(handler.median)} (the zip's index.cjs)`,
      floor: `${ms(sdk.median)} (the SDK's clients alone)`,
      ratio: handler.median / sdk.median,
      target: '—',
      breakdown: true,
      noise: "the handler's own code, its logger and its configuration check, on top of the SDK",
      data: { handlerMs: handler, sdkClientsAloneMs: sdk },
    },
  ];
}
