/**
 * A function for testing runtimes rather than the backup: it says what ran it, and fails, sleeps, crashes or
 * breaks its init when the event or its environment asks; `spawnChild` makes it start a `sleep 30` that shares its
 * output, `startedMarker` names a file it then writes (its pid and the child's, as JSON), and `spinMs` keeps its
 * one thread busy that long (a synchronous loop: no callback of the runtime's runs meanwhile). `linesAfterReturn` lines of 1,023 bytes are
 * written 200 ms after it returns (then the file `writtenMarker`), as a timer of an idle function would;
 * `longLineChars` writes a line of 'a' and that many 'é' without a newline until its end.
 */
export const probeFunctionSource = `
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
let invocations = 0;
const chatterLine = (i) => 'chatter ' + String(i).padStart(6, '0') + ' ' + '.'.repeat(1008) + '\\n';
if (process.env.BREAK_INIT) throw new Error('BACKUP_BUCKET: is not set');
export const handler = async (event, context) => {
  invocations += 1;
  console.log('probe says hi');
  if (event.linesAfterReturn) {
    setTimeout(() => {
      const last = event.linesAfterReturn - 1;
      for (let i = 0; i < last; i += 1) process.stdout.write(chatterLine(i));
      // A pipe's writes are asynchronous: the marker once the last line has left the process.
      process.stdout.write(chatterLine(last), () => writeFileSync(event.writtenMarker, 'written'));
    }, 200);
  }
  if (event.longLineChars) {
    process.stdout.write('a');
    for (let written = 0; written < event.longLineChars; written += 4096) process.stdout.write('é'.repeat(Math.min(4096, event.longLineChars - written)));
    await new Promise((resolve) => process.stdout.write('\\n', resolve));
  }
  const childPid = event.spawnChild ? spawn('sleep', ['30'], { stdio: 'inherit' }).pid : undefined;
  if (event.startedMarker) writeFileSync(event.startedMarker, JSON.stringify({ pid: process.pid, childPid }));
  for (const end = Date.now() + (event.spinMs ?? 0); Date.now() < end; );
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
