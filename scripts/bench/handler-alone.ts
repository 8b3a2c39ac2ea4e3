import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { Outcome } from '../../handler/outcome.js';
import { s3PutEvent } from '../lib/s3-event.js';
import type { BenchContext } from './context.js';
import { putScratch } from './direct-client.js';
import type { UnpackedFunction } from './unpacked-function.js';

/** Events handled before the timed ones, so that the process's JIT is as warm as a long-lived environment's. */
export const WARM_UP_EVENTS = 20;

/**
 * Reads a JSON array of events on stdin, calls the handler with each in turn as the runtime would (a context
 * with a request id), each timed call `pauseMs` after the previous one ended, and writes how long each call took
 * (ms) and the outcomes it returned, as JSON on file descriptor 3.
 */
const callEachEvent = (entry: string, memoryMb: number, pauseMs: number) => `
const { writeSync, readFileSync } = require('node:fs');
const { handler } = require(${JSON.stringify(entry)});
const events = JSON.parse(readFileSync(0, 'utf8'));
(async () => {
  const durations = [];
  const outcomes = [];
  for (const [index, event] of events.entries()) {
    if (index >= ${WARM_UP_EVENTS} && ${pauseMs} > 0) await new Promise((resolve) => setTimeout(resolve, ${pauseMs}));
    const context = { awsRequestId: 'bench-alone-' + index, functionName: 'bench-alone', functionVersion: '$LATEST', memoryLimitInMB: '${memoryMb}',
      invokedFunctionArn: 'arn:aws:lambda:' + process.env.AWS_REGION + ':000000000000:function:bench-alone', getRemainingTimeInMillis: () => 60000 };
    const started = performance.now();
    const result = await handler(event, context);
    durations.push(performance.now() - started);
    outcomes.push(...result.outcomes);
  }
  writeSync(3, JSON.stringify({ durations, outcomes }));
})().catch((error) => { console.error(error); process.exit(1); });
`;

async function collect(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

/**
 * The deployed artefact's handler, called `count` times in a plain Node process (the function's Node and
 * environment, no Lambda runtime), each time for a new object: the per-event time of the handler's own code
 * and calls, against which the REPORT Duration shows what the runtime adds; with `pauseMs`, each timed call that
 * long after the previous one ended, as a spaced upload finds the function idle. Its sources are in the scratch
 * bucket, which raises no events, so the stack's function does not back them up as well.
 */
export async function handlerAloneTimings(context: BenchContext, unpacked: UnpackedFunction, count: number, label: string, pauseMs = 0): Promise<number[]> {
  const events: object[] = [];
  for (let i = 0; i < WARM_UP_EVENTS + count; i += 1) {
    const key = `${context.prefix}alone/${label}-${i}.bin`;
    const versionId = await putScratch(context, key, Buffer.alloc(1024, i % 256));
    events.push(s3PutEvent({ bucket: context.scratchBucket, key, region: context.target.region, versionId, size: 1024 }));
  }
  const env = { ...unpacked.env, INBOX_BUCKET: context.scratchBucket };
  const child = spawn(unpacked.node, ['-e', callEachEvent(unpacked.entry, unpacked.memoryMb, pauseMs)], { env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  const [logs, errors, answer, exit] = await Promise.all([
    collect(child.stdout),
    collect(child.stderr),
    collect(child.stdio[3] as Readable),
    new Promise<number | null>((resolve, reject) => child.on('error', reject).on('exit', resolve)),
    new Promise<void>((resolve) => child.stdin.end(JSON.stringify(events), resolve)),
  ]);
  if (exit !== 0) throw new Error(`the handler in plain Node failed (exit ${exit}): ${errors.trim() || logs.split('\n').slice(-5).join('\n')}`);
  const { durations, outcomes } = JSON.parse(answer) as { durations: number[]; outcomes: string[] };
  const notCopied = outcomes.filter((outcome) => outcome !== Outcome.copied);
  if (outcomes.length !== events.length || notCopied.length > 0) {
    const lastLog = logs.trim().split('\n').at(-1);
    throw new Error(
      `the handler in plain Node did not copy every object (${notCopied.join(', ') || `${outcomes.length} outcomes for ${events.length} events`})${lastLog ? `; its last log line: ${lastLog}` : ''}`,
    );
  }
  return durations.slice(WARM_UP_EVENTS);
}
