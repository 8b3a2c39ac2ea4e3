import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../scripts/lib/cli.js';
import { clientsFor } from '../../scripts/lib/clients.js';
import { identifyAccount } from '../../scripts/lib/identity.js';
import { embeddedTarget, resolveTarget, TargetName, type Target } from '../../scripts/lib/targets.js';

const sts = mockClient(STSClient);
const embedded = embeddedTarget('http://127.0.0.1:9');
let aws: Target;

beforeAll(async () => {
  // No request leaves: STS is mocked, and the aws target is resolved from an environment of its own.
  aws = await resolveTarget(TargetName.aws, { env: { AWS_REGION: 'eu-central-1' } });
});

beforeEach(() => sts.reset());
afterEach(() => vi.unstubAllEnvs());

describe('who the clients act as', () => {
  it.each([
    { Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root', UserId: 'AKIAIOSFODNN7EXAMPLE' },
    { Account: '123456789012', Arn: 'arn:aws:sts::123456789012:user/moto', UserId: 'AKIAIOSFODNN7EXAMPLE' },
  ])("on aws, refuses the identity an emulator answers with: $Arn", async (identity) => {
    // Prepare: a profile that points the SDK at an emulator, which answers for its default account
    sts.on(GetCallerIdentityCommand).resolves(identity);
    // Act
    const identified = identifyAccount(aws, clientsFor(aws));
    // Assess
    await expect(identified).rejects.toThrow(UsageError);
    await expect(identified).rejects.toThrow(`refusing to use target aws: the caller identity is ${identity.Arn} in account ${identity.Account}, an emulator's default`);
  });

  it("on aws, is the account that answers; on an emulator, the emulator's own", async () => {
    // Prepare
    sts.on(GetCallerIdentityCommand).resolvesOnce({ Account: '210987654321', Arn: 'arn:aws:sts::210987654321:assumed-role/admin/me' }).resolves({ Account: '123456789012', Arn: 'arn:aws:sts::123456789012:user/moto' });
    // Act
    const onAws = await identifyAccount(aws, clientsFor(aws));
    const onEmbedded = await identifyAccount(embedded, clientsFor(embedded));
    // Assess
    expect([onAws.Account, onEmbedded.Account]).toEqual(['210987654321', '123456789012']);
  });

  it('is a usage error that says how to sign in when the account cannot be told on aws, and names the emulator otherwise', async () => {
    // Prepare
    sts.on(GetCallerIdentityCommand).rejects(new Error('Could not load credentials from any providers'));
    // Act
    const onAws = identifyAccount(aws, clientsFor(aws));
    const onEmbedded = identifyAccount(embedded, clientsFor(embedded));
    // Assess
    await expect(onAws).rejects.toThrow(UsageError);
    await expect(onAws).rejects.toThrow(/^cannot identify the account on aws \(Could not load credentials from any providers\): sign in first, e.g. AWS_PROFILE=<profile> or `aws sso login`$/);
    await expect(onEmbedded).rejects.toThrow(/^cannot identify the account on embedded \(Could not load credentials from any providers\)$/);
  });

  it('on aws, names the profile AWS_PROFILE gives when it found no credentials, rather than saying to set AWS_PROFILE', async () => {
    // Prepare: AWS_PROFILE=nosuch, a profile in neither shared file (a typo): the SDK's chain says only that no
    // provider had credentials, and the hint said to set the AWS_PROFILE that was set
    vi.stubEnv('AWS_PROFILE', 'nosuch');
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    // Act
    const identified = identifyAccount(aws, clientsFor(aws));
    // Assess
    await expect(identified).rejects.toThrow(UsageError);
    await expect(identified).rejects.toThrow(
      'cannot identify the account on aws (Could not load credentials from any providers): AWS_PROFILE=nosuch gave none: check that it names a profile of the shared config or credentials file ' +
        '(`aws configure list-profiles` lists them), and sign in to it (`aws sso login --profile nosuch`)',
    );
  });

  it.each([
    Object.assign(new Error('getaddrinfo ENOTFOUND sts.eu-central-1.amazonaws.com'), { code: 'ENOTFOUND' }),
    Object.assign(new Error('Connection timed out after 3000 ms'), { name: 'TimeoutError' }),
  ])('on aws, says that AWS could not be reached, not to sign in, when the request found no way there: $message', async (unreachable) => {
    // Prepare: what the SDK throws without a network, behind a firewall, or for a region no endpoint answers in
    sts.on(GetCallerIdentityCommand).rejects(unreachable);
    // Act
    const identified = identifyAccount(aws, clientsFor(aws));
    // Assess
    await expect(identified).rejects.toThrow(UsageError);
    await expect(identified).rejects.toThrow(
      `cannot reach AWS from here (${unreachable.message}): nothing was changed; check this machine's connection to AWS (a firewall or a proxy?) and that eu-central-1 (AWS_REGION or AWS_DEFAULT_REGION) is the region you mean`,
    );
  });

  it.each([
    Object.assign(new Error("Hostname/IP does not match certificate's altnames: Host: sts.eu-central-1.amazonaws.com. is not in the cert's altnames: DNS:pypi.org"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }),
    Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }),
    Object.assign(new Error('unable to get local issuer certificate'), { code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' }),
  ])('on aws, says that what answered is not AWS by its certificate, not to sign in: $code', async (intercepted) => {
    // Prepare: what Node throws when a proxy that inspects TLS, or a captive portal, answers for AWS (seen with a
    // proxy in the way: the deploy said to sign in)
    sts.on(GetCallerIdentityCommand).rejects(intercepted);
    // Act
    const identified = identifyAccount(aws, clientsFor(aws));
    // Assess
    await expect(identified).rejects.toThrow(UsageError);
    await expect(identified).rejects.toThrow(
      `cannot reach AWS securely from here (${intercepted.message}): nothing was changed; what answered for AWS did not show a certificate this machine trusts for it: ` +
        "a proxy that inspects TLS (give Node its certificate authority with NODE_EXTRA_CA_CERTS=<file.pem>), a captive portal (a hotel's or a train's network) or a wrong DNS answer; signing in again does not help",
    );
  });

  it('on aws, gives each attempt at the identity 10 s, so a network that takes the connection and never answers is told within about half a minute', async () => {
    // Prepare: a path to AWS that takes the TCP connection and swallows the TLS handshake (a proxy or firewall in the
    // way) is held by the clients' 60 s limit per attempt alone: a deploy said "cannot reach AWS" after 3 minutes
    sts.on(GetCallerIdentityCommand).resolves({ Account: '210987654321', Arn: 'arn:aws:sts::210987654321:assumed-role/admin/me' });
    // Act
    await identifyAccount(aws, clientsFor(aws));
    // Assess: the first request to AWS tells whether it answers at all, and STS answers it in well under a second
    expect((sts.call(0).args as unknown[])[1]).toMatchObject({ requestTimeout: 10_000 });
  });

  it("passes the real-AWS guard's refusal on as it is", async () => {
    // Prepare: the guard stops the request before it is sent
    const refusal = new UsageError('refusing to use target aws: the SDK would send STS requests to http://127.0.0.1:4566, which is not AWS');
    sts.on(GetCallerIdentityCommand).rejects(refusal);
    // Act
    const identified = identifyAccount(aws, clientsFor(aws));
    // Assess
    await expect(identified).rejects.toBe(refusal);
  });
});
