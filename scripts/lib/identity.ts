import { GetCallerIdentityCommand, type GetCallerIdentityCommandOutput } from '@aws-sdk/client-sts';
import { UsageError } from './cli.js';
import type { Clients } from './clients.js';
import { isNetworkError } from './network-error.js';
import { assertAwsIdentity } from './real-aws.js';
import { TargetName, type Target } from './targets.js';

/**
 * Who the target's clients act as, for the verbs that show or use the account: a usage error that says how to
 * sign in when it cannot be told, and on aws a refusal of an emulator's identity.
 */
export async function identifyAccount(target: Target, clients: Clients): Promise<GetCallerIdentityCommandOutput> {
  const identity = await clients.sts.send(new GetCallerIdentityCommand({})).catch((error: Error) => {
    if (error instanceof UsageError) throw error;
    // No sign-in helps a request that never reached AWS.
    if (target.name === TargetName.aws && isNetworkError(error)) {
      throw new UsageError(
        `cannot reach AWS from here (${error.message}): nothing was changed; check this machine's connection to AWS (a firewall or a proxy?) and that ${target.region} (AWS_REGION or AWS_DEFAULT_REGION) is the region you mean`,
      );
    }
    const hint = target.name === TargetName.aws ? ': sign in first, e.g. AWS_PROFILE=<profile> or `aws sso login`' : '';
    throw new UsageError(`cannot identify the account on ${target.name} (${error.message})${hint}`);
  });
  if (target.name === TargetName.aws) assertAwsIdentity(identity);
  return identity;
}
