import { UsageError } from './cli.js';

/**
 * The aws target must reach real AWS. Environment variables are not enough to tell: a profile in the shared
 * config file can carry an `endpoint_url` and emulator keys. So the guard looks at what the SDK resolved —
 * the host every request really goes to, the credentials it signs with — and at the identity that answers.
 */

const emulatorKeyIds = new Set(['test', 'testing', 'mock', 'foobar', 'AKIAIOSFODNN7EXAMPLE']);
/** LocalStack's and moto's default accounts. */
const emulatorAccounts = new Set(['000000000000', '123456789012']);
/** Access key ids AWS issues: long-term (AKIA) and temporary (ASIA). */
const awsKeyId = /^(AKIA|ASIA)[A-Z0-9]{16}$/;
/** Public AWS endpoints (commercial, China, dual-stack). */
const awsHost = /(^|\.)(amazonaws\.com|amazonaws\.com\.cn|api\.aws)$/;

const profileHint = (env: Readonly<Record<string, string | undefined>>) => `profile ${env.AWS_PROFILE ?? 'default'}`;

/** Refuses environment variables that point the SDK at an emulator. */
export function assertRealAwsEnvironment(env: Readonly<Record<string, string | undefined>>): void {
  const setEndpoints = Object.keys(env).filter((name) => (name === 'AWS_ENDPOINT_URL' || name.startsWith('AWS_ENDPOINT_URL_')) && env[name]);
  if (setEndpoints.length > 0) {
    throw new UsageError(`refusing to use target aws while ${setEndpoints.join(', ')} is set: unset it (it points the SDK at an emulator)`);
  }
  const keyId = env.AWS_ACCESS_KEY_ID;
  if (keyId !== undefined && emulatorKeyIds.has(keyId)) {
    throw new UsageError(`refusing to use target aws with the emulator credentials AWS_ACCESS_KEY_ID=${keyId}: unset them or use a real profile`);
  }
}

/** Refuses a request the SDK is about to send anywhere but an AWS endpoint over HTTPS. */
export function assertAwsEndpoint(request: { protocol?: string; hostname?: string; port?: number }, service: string, env: Readonly<Record<string, string | undefined>>): void {
  const hostname = request.hostname ?? '';
  if (request.protocol === 'https:' && awsHost.test(hostname)) return;
  const port = request.port ? `:${request.port}` : '';
  throw new UsageError(
    `refusing to use target aws: the SDK would send ${service} requests to ${request.protocol ?? ''}//${hostname}${port}, which is not AWS ` +
      `(an endpoint_url in ${profileHint(env)} of the shared config file, or an AWS_ENDPOINT_URL* variable): remove it or use another profile`,
  );
}

/** Refuses credentials that are no AWS access key (the emulators accept any, and these are theirs). */
export function assertAwsCredentials(accessKeyId: string, env: Readonly<Record<string, string | undefined>>): void {
  if (awsKeyId.test(accessKeyId) && !emulatorKeyIds.has(accessKeyId)) return;
  throw new UsageError(
    `refusing to use target aws with the access key id "${accessKeyId}" (from ${profileHint(env)} or the environment): it is an emulator's, not AWS's; sign in with a real profile`,
  );
}

/** Refuses the identity an emulator answers with. */
export function assertAwsIdentity(identity: { Account?: string; Arn?: string }): void {
  const account = identity.Account ?? '';
  // The emulators' own users, exactly: a real role or session may well have "localstack" in its name.
  if (!emulatorAccounts.has(account) && !/:user\/(moto|localstack)$/i.test(identity.Arn ?? '')) return;
  throw new UsageError(
    `refusing to use target aws: the caller identity is ${identity.Arn ?? '?'} in account ${account}, an emulator's default: check AWS_PROFILE and the shared config file`,
  );
}

type Credentials = { accessKeyId: string };
type GuardedRequest = { protocol?: string; hostname?: string; port?: number };
/** The part of an SDK v3 client the guard needs: its middleware stack and its resolved credential provider. */
type GuardableClient = {
  readonly config: { credentials?: unknown };
  readonly middlewareStack: {
    add(
      middleware: (next: (args: { request: unknown }) => Promise<unknown>, context: { clientName?: string }) => (args: { request: unknown }) => Promise<unknown>,
      options: { step: 'build'; name: string; override?: boolean },
    ): void;
  };
};

/**
 * Adds the guard to every client: before each request is signed and sent, its endpoint and the client's resolved
 * credentials must be AWS's. Nothing reaches an emulator that an aws-target script was pointed at by accident.
 */
export function guardRealAws(clients: Readonly<Record<string, unknown>>, env: Readonly<Record<string, string | undefined>> = process.env): void {
  for (const client of Object.values(clients) as GuardableClient[]) {
    let checkedKey: string | undefined;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const service = (context.clientName ?? 'AWS').replace(/Client$/, '');
        assertAwsEndpoint(args.request as GuardedRequest, service, env);
        const provider = client.config.credentials;
        if (typeof provider === 'function') {
          const credentials = (await provider()) as Credentials;
          if (credentials.accessKeyId !== checkedKey) {
            assertAwsCredentials(credentials.accessKeyId, env);
            checkedKey = credentials.accessKeyId;
          }
        }
        return next(args);
      },
      { step: 'build', name: 'backupKitRealAwsOnly', override: true },
    );
  }
}
