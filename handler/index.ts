import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createHandler, type BackupResult } from './backup.js';
import { createS3Client, createSnsClient } from './clients.js';
import { loadConfig } from './config.js';
import { invocationOf } from './invocation.js';
import { LogMessage, Outcome } from './outcome.js';

const logger = new Logger({ serviceName: 'backup-kit' });

function loadConfigOrLog() {
  try {
    return loadConfig(process.env);
  } catch (error) {
    logger.error(LogMessage.configRejected, { outcome: Outcome.configInvalid, error });
    throw error;
  }
}

// Validated once per execution environment: a bad variable fails the init, naming the variable.
const backup = createHandler({ s3: createS3Client(), sns: createSnsClient(), config: loadConfigOrLog(), logger });

export async function handler(event: unknown, context: Context): Promise<BackupResult> {
  logger.addContext(context);
  return backup(event, { ...invocationOf(event, context.awsRequestId), timeLeftMs: () => context.getRemainingTimeInMillis() });
}
