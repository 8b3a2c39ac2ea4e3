/**
 * What to do when the SDK found no AWS credentials: with AWS_PROFILE set, that this profile gave none and how to check
 * and sign in to it (advice to set AWS_PROFILE would send its reader in a circle); without, how to sign in.
 */
export function noCredentialsAdvice(profile: string | undefined): string {
  return profile
    ? `AWS_PROFILE=${profile} gave none: check that it names a profile of the shared config or credentials file (\`aws configure list-profiles\` lists them), and sign in to it (\`aws sso login --profile ${profile}\`)`
    : 'sign in (`aws sso login --profile <name>`, then AWS_PROFILE=<name>), or set AWS_PROFILE to a profile with keys';
}
