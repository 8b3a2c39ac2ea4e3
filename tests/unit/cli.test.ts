import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { projectRoot } from '../../scripts/lib/paths.js';
import { ExitCode, interruption, Interrupted, isoTime, nonEmpty, objectKey, parseYes, run, targetOption, wholeNumber, wholeNumbers } from '../../scripts/lib/cli.js';

describe('parseYes', () => {
  it.each(['1', 'yes', 'YES', 'true', 'True'])('confirms on %j', (value) => {
    // Act
    const parsed = parseYes(value);
    // Assess
    expect(parsed).toBe(true);
  });

  it.each(['0', 'no', 'false', 'n', 'yes please', ' '])('refuses %j as a usage error that says what to type', (value) => {
    // Act
    const parse = () => parseYes(value);
    // Assess
    expect(parse).toThrow(`"${value}" is not an explicit yes: confirm with YES=1 (make) or --yes (script)`);
  });
});

describe('wholeNumber', () => {
  const count = wholeNumber(1, 1000, '--count 10');

  it('parses a whole number within its bounds', () => {
    // Assess
    expect(count('1')).toBe(1);
    expect(count('1000')).toBe(1000);
  });

  it.each(['0', '1001', 'abc', '1e3', '2.5', '-1', '', '0x10'])('refuses %j, naming the bounds and an example', (value) => {
    // Act
    const parse = () => count(value);
    // Assess
    expect(parse).toThrow('Give a whole number from 1 to 1000, e.g. --count 10.');
  });

  it('collects every value of a repeatable option', () => {
    // Prepare
    const cases = wholeNumbers(1, 8, '--case 3');
    // Act
    const collected = cases('7', cases('2', undefined));
    // Assess
    expect(collected).toEqual([2, 7]);
  });

  it('reads several numbers in one value, as make hands on CASE="3 4" or CASE=3,4, and still refuses a blank one', () => {
    // Prepare
    const cases = wholeNumbers(1, 8, '--case 3');
    // Act
    const collected = cases('5,6', cases(' 3  4 ', undefined));
    // Assess
    expect(collected).toEqual([3, 4, 5, 6]);
    expect(() => cases(' ', undefined)).toThrow('Give a whole number from 1 to 8, e.g. --case 3.');
    expect(() => cases('3 x', undefined)).toThrow('Give a whole number from 1 to 8, e.g. --case 3.');
  });
});

describe('isoTime', () => {
  const at = isoTime('--at 2026-11-27T18:00:00Z');

  it('reads an ISO 8601 time with its zone, and a date as UTC midnight', () => {
    // Assess
    expect(at('2026-11-27T18:00:00Z').toISOString()).toBe('2026-11-27T18:00:00.000Z');
    expect(at('2026-11-27T19:30+01:00').toISOString()).toBe('2026-11-27T18:30:00.000Z');
    expect(at('2026-11-27T18:00:00.250Z').toISOString()).toBe('2026-11-27T18:00:00.250Z');
    expect(at('2026-11-27').toISOString()).toBe('2026-11-27T00:00:00.000Z');
  });

  it.each(['5', 'yesterday', '2026-13-40', '27/11/2026', 'Fri Nov 27 2026'])('refuses %j, showing what to type', (value) => {
    // Act
    const parse = () => at(value);
    // Assess
    expect(parse).toThrow(`"${value}" is not an ISO 8601 time, e.g. --at 2026-11-27T18:00:00Z.`);
  });

  it.each(['2026-11-31', '2026-02-29T10:00Z', '2026-11-27T24:00Z', '2026-04-31T08:00:00+02:00'])(
    'refuses %j, which JavaScript would roll over to another time',
    (value) => {
      // Act
      const parse = () => at(value);
      // Assess
      expect(parse).toThrow(`"${value}" is not a time the calendar has (a month has at most 31 days, a day 24 hours), e.g. --at 2026-11-27T18:00:00Z.`);
    },
  );

  it('takes the 29th of February in a leap year', () => {
    // Assess
    expect(at('2028-02-29T12:00Z').toISOString()).toBe('2028-02-29T12:00:00.000Z');
  });

  it('refuses an offset written without its colon, as `date +%z` writes it, saying how to write it', () => {
    // Act
    const parse = () => at('2026-12-03T15:35:24+0100');
    // Assess
    expect(parse).toThrow('"2026-12-03T15:35:24+0100" writes its offset without a colon, as `date +%z` does: write it 2026-12-03T15:35:24+01:00 (or `date --iso-8601=seconds`), e.g. --at 2026-11-27T18:00:00Z.');
  });

  it.each(['2026-11-29 01:24:10', '2026-11-29T01:24:10'])('refuses %j, whose zone would be a guess', (value) => {
    // Act
    const parse = () => at(value);
    // Assess
    expect(parse).toThrow(`"${value}" has no time zone: add Z for UTC or an offset such as +01:00, e.g. --at 2026-11-27T18:00:00Z.`);
  });
});

describe('nonEmpty', () => {
  it('refuses an empty or blank value', () => {
    // Prepare
    const key = nonEmpty('--event a.txt');
    // Assess
    expect(() => key('')).toThrow('It must not be empty, e.g. --event a.txt.');
    expect(() => key('  ')).toThrow('must not be empty');
    expect(key('a.txt')).toBe('a.txt');
  });
});

describe('objectKey', () => {
  it('takes a key made only of spaces, which S3 takes as any other name, and refuses only an empty one', () => {
    // Prepare
    const parse = objectKey('--key photos/cat.jpg');
    // Assess
    expect(parse('  ')).toBe('  ');
    expect(() => parse('')).toThrow("It must not be empty, e.g. --key photos/cat.jpg. (make drops a value's leading spaces: a key made only of spaces goes with node --import tsx and the option, quoted.)");
  });
});

describe('targetOption', () => {
  const parse = (argv: string[], env: Record<string, string> = {}) => {
    const saved = process.env.TARGET;
    if (env.TARGET === undefined) delete process.env.TARGET;
    else process.env.TARGET = env.TARGET;
    try {
      return new Command().exitOverride().configureOutput({ writeErr: () => undefined }).addOption(targetOption()).parse(argv, { from: 'user' }).opts().target;
    } finally {
      if (saved === undefined) delete process.env.TARGET;
      else process.env.TARGET = saved;
    }
  };

  it('accepts the three targets and defaults to embedded', () => {
    // Assess
    expect(parse(['--target', 'aws'])).toBe('aws');
    expect(parse([])).toBe('embedded');
    expect(parse([], { TARGET: 'localstack' })).toBe('localstack');
  });

  it.each(['constructor', 'toString', 'prod'])('refuses %j, from the command line or from TARGET, with the choices', (name) => {
    // Assess
    expect(() => parse(['--target', name])).toThrow('Allowed choices are embedded, localstack, aws.');
    expect(() => parse([], { TARGET: name })).toThrow('Allowed choices are embedded, localstack, aws.');
  });
});

describe('run', () => {
  afterEach(() => {
    process.exitCode = undefined;
    vi.restoreAllMocks();
  });

  it('says what to check when the target stops answering mid-run', async () => {
    // Prepare
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4599'), { code: 'ECONNREFUSED' });
    // Act
    run(() => Promise.reject(refused));
    await vi.waitFor(() => expect(process.exitCode).toBe(ExitCode.failed));
    // Assess
    expect(printed).toHaveBeenCalledWith(
      'error: connect ECONNREFUSED 127.0.0.1:4599: the target stopped answering; is its emulator or LocalStack still running? (`make deploy` starts the embedded one, `make localstack-host` LocalStack without Docker, `make up` LocalStack in Docker)',
    );
  });

  it.each(['Unknown', 'UnknownError'])('takes a bare 503 the SDK cannot read (a LocalStack shutting down answers so) for a target that stopped answering: error named %s', async (name) => {
    // Prepare: the SDK names an error it cannot parse Unknown (its message UnknownError; a review read it so from a
    // LocalStack shutting down), with the HTTP status in its metadata
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const unavailable = Object.assign(new Error('UnknownError'), { name, $metadata: { httpStatusCode: 503 } });
    // Act
    run(() => Promise.reject(unavailable));
    await vi.waitFor(() => expect(process.exitCode).toBe(ExitCode.failed));
    // Assess
    expect(printed).toHaveBeenCalledWith(
      "error: UnknownError: the target stopped answering; it answered 503 (Service Unavailable) without saying why: is its emulator or LocalStack shutting down, or is the service unavailable? The end of its log says (the embedded emulator's .emulator/shared/emulator.log, or the terminal of a `make emulator` in the foreground, or LocalStack's .localstack/host/localstack.log (in Docker: `docker compose logs localstack`)); try again in a while",
    );
  });

  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 52.94.4.1:443'), { code: 'ECONNREFUSED' }),
      'error: connect ECONNREFUSED 52.94.4.1:443: the target stopped answering; AWS was not reached (ECONNREFUSED): is this machine offline, or a VPN, proxy or firewall in the way? Run it again once AWS can be reached'],
    ['a connection cut after it was open', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      'error: read ECONNRESET: the target stopped answering; the connection to AWS was cut before its answer (ECONNRESET), so what the last request did is not known: a VPN, proxy or firewall in the way, or a network that dropped? Run it again once AWS can be reached'],
    ['no answer in time', Object.assign(new Error('@smithy/node-http-handler - [ERROR] a request has exceeded the configured 60000 ms requestTimeout.'), { name: 'TimeoutError' }),
      'error: a request has exceeded the configured 60000 ms requestTimeout.: the target stopped answering; AWS took the request and did not answer in time: the network is slow or was lost (a VPN, a proxy, a laptop that slept), or the region has trouble (https://health.aws.amazon.com says); run it again'],
    ['a bare 503', Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: { httpStatusCode: 503 } }),
      'error: UnknownError: the target stopped answering; it answered 503 (Service Unavailable) without saying why: the service is unavailable for now (https://health.aws.amazon.com says whether the region has trouble); try again in a while'],
  ])('on aws, takes %s for the network or AWS, never for an emulator that stopped', async (_, error, said) => {
    // Prepare: a verb run with TARGET=aws (seed, restore, logs, reconcile, redrive …)
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    // Act
    run(() => Promise.reject(error), 'aws');
    await vi.waitFor(() => expect(process.exitCode).toBe(ExitCode.failed));
    // Assess
    expect(printed).toHaveBeenCalledWith(said);
    expect(printed).not.toHaveBeenCalledWith(expect.stringMatching(/emulator|LocalStack/));
  });

  it('names the emulators when the verb runs against one', async () => {
    // Prepare
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const silent = Object.assign(new Error('@smithy/node-http-handler - [ERROR] a request has exceeded the configured 60000 ms requestTimeout.'), { name: 'TimeoutError' });
    // Act
    run(() => Promise.reject(silent), 'embedded');
    await vi.waitFor(() => expect(process.exitCode).toBe(ExitCode.failed));
    // Assess: the SDK's log prefix left out, and the log that says why named
    expect(printed).toHaveBeenCalledWith(
      "error: a request has exceeded the configured 60000 ms requestTimeout.: the target stopped answering; it took the request and did not answer in time: is its emulator or LocalStack stopped or overloaded? The end of its log says (the embedded emulator's .emulator/shared/emulator.log, or the terminal of a `make emulator` in the foreground)",
    );
  });

  it.each([
    ['embedded', "the embedded emulator's .emulator/shared/emulator.log, or the terminal of a `make emulator` in the foreground"],
    ['localstack', "LocalStack's .localstack/host/localstack.log (in Docker: `docker compose logs localstack`)"],
  ] as const)('names the log that says why the %s target failed on a request with a 500 the SDK cannot read', async (target, log) => {
    // Prepare: the SDK's error for a 500 whose body is no error document (an emulator's exception)
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const failed = Object.assign(new Error('Unknown'), { name: 'Unknown', $metadata: { httpStatusCode: 500 } });
    // Act
    run(() => Promise.reject(failed), target);
    await vi.waitFor(() => expect(process.exitCode).toBe(ExitCode.failed));
    // Assess
    expect(printed).toHaveBeenCalledWith(`error: Unknown: the target failed on the request (500 Internal Server Error) without saying why: the end of its log names the cause (${log})`);
  });

  it('leaves a 500 on aws as the SDK tells it', async () => {
    // Prepare
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const failed = Object.assign(new Error('Unknown'), { name: 'Unknown', $metadata: { httpStatusCode: 500 } });
    // Act
    run(() => Promise.reject(failed), 'aws');
    await vi.waitFor(() => expect(process.exitCode).toBe(ExitCode.failed));
    // Assess
    expect(printed).toHaveBeenCalledWith('error: Unknown');
  });

  it('names the bucket S3 says does not exist, and what to do, where S3 names none', async () => {
    // Prepare: the SDK's NoSuchBucket carries the BucketName of S3's error document
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const gone = Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket', BucketName: 'kit-backup-123456789012-us-east-1' });
    // Act
    run(() => Promise.reject(gone));
    await vi.waitFor(() => expect(process.exitCode).toBe(ExitCode.failed));
    // Assess
    expect(printed).toHaveBeenCalledWith(
      'error: The specified bucket does not exist: s3://kit-backup-123456789012-us-east-1 is gone (deleted outside the kit?): `make destroy` says what deleting its stack would lose and how to keep it, and a deploy after it creates the stack\'s buckets again',
    );
  });

  it.each(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'])('says what the queue SQS answers %s for is, and what to do, where SQS names neither', async (name) => {
    // Prepare: the stack's failed-events queue deleted by hand, which a redrive reads
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const gone = Object.assign(new Error('The specified queue does not exist.'), { name });
    // Act
    run(() => Promise.reject(gone));
    await vi.waitFor(() => expect(process.exitCode).toBe(ExitCode.failed));
    // Assess: before, it printed only "error: The specified queue does not exist."
    expect(printed).toHaveBeenCalledWith(
      "error: The specified queue does not exist.: the stack's failed-events queue is gone (deleted outside the kit?), so no failing event can be parked: `make destroy` says what deleting its stack would lose and how to keep it, and a deploy after it creates the queue again",
    );
  });

  it('exits 130 when Ctrl-C was typed at a question', async () => {
    // Prepare
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    // Act
    run(() => Promise.reject(new Interrupted('interrupted at the question "Go on?", which was not answered')));
    await vi.waitFor(() => expect(process.exitCode).toBe(ExitCode.interrupted));
    // Assess
    expect(printed).toHaveBeenCalledWith('error: interrupted at the question "Go on?", which was not answered');
  });
});

describe('an interruption', () => {
  // Each test's interruption adds signal listeners and prints its notice: both are taken back after it.
  let listening: Record<'SIGINT' | 'SIGTERM', NodeJS.SignalsListener[]>;
  let errors: MockInstance<typeof console.error>;
  beforeEach(() => {
    listening = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
    errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    for (const [name, before] of Object.entries(listening)) {
      for (const listener of process.listeners(name as NodeJS.Signals)) if (!before.includes(listener)) process.off(name, listener);
    }
    errors.mockRestore();
  });

  it('comes from a first SIGTERM as from a first Ctrl-C, so that a cancelled CI job lets the script put back what it holds', () => {
    // Prepare
    const interrupted = interruption('the running case ends');
    // Act
    process.emit('SIGTERM', 'SIGTERM');
    // Assess
    expect(interrupted.aborted).toBe(true);
    expect(errors).toHaveBeenCalledWith('stopping (SIGTERM): the running case ends (Ctrl-C again stops at once)');
  });

  it('comes from the output\'s reader going away (`… | head`: EPIPE), so that a dry run hands back what it holds instead of crashing', async () => {
    // Prepare
    const interrupted = interruption('the messages not yet listed are handed back');
    run(() => new Promise<number>((resolve) => interrupted.addEventListener('abort', () => resolve(ExitCode.interrupted))));
    // Act
    process.stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    // Assess
    await vi.waitFor(() => expect(process.exitCode).toBe(ExitCode.interrupted));
    expect(errors).toHaveBeenCalledWith("stopping: the output's reader has gone (EPIPE): the messages not yet listed are handed back (Ctrl-C again stops at once)");
  });

  it('comes from stderr\'s reader going away too (`… 2>&1 | head`), so that its notice failing to print does not crash the hand-back', async () => {
    // Prepare
    const interrupted = interruption('the messages not yet listed are handed back');
    run(() => new Promise<number>((resolve) => interrupted.addEventListener('abort', () => resolve(ExitCode.interrupted))));
    // Act: the first write to fail is the notice's, on stderr (one pipe holds both)
    process.stderr.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    // Assess
    await vi.waitFor(() => expect(process.exitCode).toBe(ExitCode.interrupted));
    expect(interrupted.aborted).toBe(true);
  });
});

describe('a script whose output\'s reader goes away', () => {
  it('ends with 141, as a command ended by SIGPIPE does, when it has nothing to hand back (`make logs | head`)', async () => {
    // Prepare: a script that writes a line every 10 ms for a second, read until its first line only
    const script = `import { run } from ${JSON.stringify(join(projectRoot, 'scripts/lib/cli.ts'))};
run(async () => { for (let i = 0; i < 100; i += 1) { console.log('line ' + i); await new Promise((r) => setTimeout(r, 10)); } });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Act
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Assess
    expect({ code, stderr }).toEqual({ code: ExitCode.outputClosed, stderr: '' });
  });
});
