import { UsageError } from './cli.js';
import { jsonAt } from './http.js';
import type { LocalStackMode } from './targets.js';

/**
 * The LocalStack services the kit's stack and verbs use. compose.yaml and scripts/localstack/host.py start
 * LocalStack with exactly these (SERVICES; tests/template/compose.test.ts holds the three together).
 */
export const localstackServices = ['cloudformation', 's3', 'lambda', 'sns', 'sqs', 'iam', 'logs', 'sts', 'ses', 'cloudwatch'] as const;

const restart: Record<LocalStackMode, string> = {
  host: '`make localstack-host-stop`, then `make localstack-host`',
  docker: '`docker compose down`, then `docker compose up`',
};

/**
 * Refuses a LocalStack that was started without a service the kit uses, before a deploy writes anything: its
 * CloudFormation would otherwise fail halfway, at the first resource of that service. LocalStack's health
 * (/_localstack/health) names each service it knows, "disabled" when SERVICES leaves it out. A LocalStack that
 * does not answer there is left to the deploy, which says what it meets.
 */
export async function requireLocalStackServices(endpoint: string, mode: LocalStackMode): Promise<void> {
  const health = await jsonAt<{ services?: Record<string, unknown> }>(`${endpoint}/_localstack/health`, 3_000);
  if (!health) return;
  const missing = localstackServices.filter((service) => {
    const state = health.services?.[service];
    return state === undefined || state === 'disabled';
  });
  if (missing.length === 0) return;
  throw new UsageError(
    `LocalStack at ${endpoint} runs without ${missing.join(', ')}, which the kit's stack needs (it was started with other SERVICES, perhaps by an older checkout): restart it with ${restart[mode]}`,
  );
}
