import { GetCallerIdentityCommand, type GetCallerIdentityCommandOutput } from '@aws-sdk/client-sts';
import { noCredentialsAdvice } from './aws-sign-in.js';
import { UsageError } from './cli.js';
import type { Clients } from './clients.js';
import { isCertificateError, isNetworkError } from './network-error.js';
import { assertAwsIdentity } from './real-aws.js';
import { TargetName, type Target } from './targets.js';

/**
 * How long each attempt at the caller's identity waits for AWS's answer. It is the first request a verb sends to AWS,
 * and STS answers it within a second: a path that takes the connection and swallows the TLS handshake (a proxy or
 * firewall in the way) held it for the clients' 60 s per attempt, three attempts, before "cannot reach AWS".
 */
const IDENTITY_ANSWER_WITHIN_MS = 10_000;

/**
 * Who the target's clients act as, for the verbs that show or use the account: a usage error that says how to
 * sign in when it cannot be told, and on aws a refusal of an emulator's identity.
 */
export async function identifyAccount(target: Target, clients: Clients): Promise<GetCallerIdentityCommandOutput> {
  const within = target.name === TargetName.aws ? { requestTimeout: IDENTITY_ANSWER_WITHIN_MS } : undefined;
  const identity = await clients.sts.send(new GetCallerIdentityCommand({}), within).catch((error: Error) => {
    if (error instanceof UsageError) throw error;
    // No sign-in helps a request that never reached AWS.
    if (target.name === TargetName.aws && isNetworkError(error)) {
      throw new UsageError(
        `cannot reach AWS from here (${error.message}): nothing was changed; check this machine's connection to AWS (a firewall or a proxy?) and that ${target.region} (AWS_REGION or AWS_DEFAULT_REGION) is the region you mean`,
      );
    }
    // Nor one that met something else in AWS's place: the credentials were never shown to AWS.
    if (target.name === TargetName.aws && isCertificateError(error)) {
      throw new UsageError(
        `cannot reach AWS securely from here (${error.message}): nothing was changed; what answered for AWS did not show a certificate this machine trusts for it: ` +
          "a proxy that inspects TLS (give Node its certificate authority with NODE_EXTRA_CA_CERTS=<file.pem>), a captive portal (a hotel's or a train's network) or a wrong DNS answer; signing in again does not help",
      );
    }
    // A profile that was named and gave nothing (a typo, a profile of another machine's files): the SDK's chain says only
    // that no provider had credentials, and advice to set AWS_PROFILE would send its reader in a circle.
    const profile = process.env.AWS_PROFILE;
    const profileGaveNone = profile && error.name === 'CredentialsProviderError' ? `: ${noCredentialsAdvice(profile)}` : undefined;
    const hint = target.name === TargetName.aws ? (profileGaveNone ?? ': sign in first, e.g. AWS_PROFILE=<profile> or `aws sso login`') : '';
    throw new UsageError(`cannot identify the account on ${target.name} (${error.message})${hint}`);
  });
  if (target.name === TargetName.aws) assertAwsIdentity(identity);
  return identity;
}
