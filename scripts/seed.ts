import { InvokeCommand } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Command } from 'commander';
import { clientsFor } from './lib/clients.js';
import { ExitCode, run, UsageError } from './lib/cli.js';
import { waitForBackupOf } from './lib/observe.js';
import { requireDeployedStack } from './lib/deployed-stack.js';
import { s3PutEvent } from './lib/s3-event.js';
import { parseTargetName, resolveTarget, TargetName } from './lib/targets.js';

const program = new Command()
  .name('seed')
  .description('Seed the pipeline: upload files into the inbox and wait for their backups, or send an S3 event for a key directly.')
  .option('-t, --target <target>', 'embedded | localstack | aws', process.env.TARGET ?? TargetName.embedded)
  .option('-n, --count <n>', 'files to upload', '10')
  .option('-s, --size <bytes>', 'size of each file', '1024')
  .option('--prefix <prefix>', 'key prefix', 'seed/')
  .option('--event <key>', 'instead of uploading, invoke the function with an S3 event for this existing inbox key (a redelivery)')
  .parse();
const options = program.opts<{ target: string; count: string; size: string; prefix: string; event?: string }>();

run(async () => {
  const count = Number(options.count);
  const size = Number(options.size);
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(size) || size < 0) {
    console.error('error: --count must be a whole number of at least 1 and --size a whole number of bytes');
    return ExitCode.usage;
  }
  const target = await resolveTarget(parseTargetName(options.target), { startEmulator: false, checkReachable: true });
  const clients = clientsFor(target);
  const { outputs } = await requireDeployedStack(target, clients);

  if (options.event) {
    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: outputs.InboxBucketName, Key: options.event })).catch((error: Error) => {
      if (error.name !== 'NotFound') throw error;
      throw new UsageError(`s3://${outputs.InboxBucketName}/${options.event} does not exist: --event takes the key of an object in the inbox`);
    });
    const event = s3PutEvent({ bucket: outputs.InboxBucketName, key: options.event, region: target.region, versionId: head.VersionId, size: head.ContentLength });
    const response = await clients.lambda.send(new InvokeCommand({ FunctionName: outputs.BackupFunctionName, Payload: JSON.stringify(event) }));
    console.log(`${response.FunctionError ? `function error (${response.FunctionError})` : 'answered'}: ${new TextDecoder().decode(response.Payload)}`);
    return response.FunctionError ? ExitCode.failed : ExitCode.ok;
  }

  const started = Date.now();
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const key = `${options.prefix}${new Date(started).toISOString().replace(/[:.]/g, '-')}/file-${i}.bin`;
      const put = await clients.s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: Buffer.alloc(size, i % 256) }));
      await waitForBackupOf(clients.s3, outputs.BackupBucketName, key, put.VersionId!, 180_000);
    }),
  );
  console.log(`uploaded ${count} files of ${size} bytes to s3://${outputs.InboxBucketName}/${options.prefix}; all backed up in ${Date.now() - started} ms`);
  return ExitCode.ok;
});
