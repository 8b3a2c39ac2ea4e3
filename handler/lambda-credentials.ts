import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * The credential provider the bundle gives the SDK clients in place of the SDK's default chain: Lambda (and
 * both emulators) hand the function its role's credentials in environment variables, so profiles, SSO,
 * web identity and the instance metadata service never apply there, and their code (a third of the SDK in
 * the bundle) only slowed every cold start. scripts/lib/artefact.ts aliases
 * @aws-sdk/credential-provider-node to this module; tests and scripts keep the default chain.
 */
export function defaultProvider(init?: Parameters<typeof fromEnv>[0]): ReturnType<typeof fromEnv> {
  return fromEnv(init);
}
