/**
 * A function for testing runtimes rather than the backup: it says what ran it, and fails, sleeps, crashes or
 * breaks its init when the event or its environment asks; `startedMarker` names a file it writes when it starts,
 * and `spawnChild` makes it start a `sleep 30` that shares its output.
 */
export const probeFunctionSource = `
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
let invocations = 0;
if (process.env.BREAK_INIT) throw new Error('BACKUP_BUCKET: is not set');
export const handler = async (event, context) => {
  invocations += 1;
  console.log('probe says hi');
  if (event.startedMarker) writeFileSync(event.startedMarker, String(process.pid));
  const childPid = event.spawnChild ? spawn('sleep', ['30'], { stdio: 'inherit' }).pid : undefined;
  if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  if (event.crash) process.exit(3);
  if (event.fail) throw new TypeError('asked to fail');
  return {
    invocations,
    node: process.version,
    pid: process.pid,
    childPid,
    ppid: process.ppid,
    endpoint: process.env.AWS_ENDPOINT_URL,
    requestId: context.awsRequestId,
    remaining: context.getRemainingTimeInMillis(),
  };
};`;
