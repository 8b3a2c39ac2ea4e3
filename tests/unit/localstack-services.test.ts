import { afterEach, describe, expect, it, vi } from 'vitest';
import { localstackServices, requireLocalStackServices } from '../../scripts/lib/localstack-services.js';
import { LocalStackMode } from '../../scripts/lib/targets.js';

/** LocalStack 4.14's /_localstack/health: every service it knows, "disabled" when SERVICES leaves it out. */
const health = (states: Record<string, string>) => new Response(JSON.stringify({ services: states, edition: 'community', version: '4.14.0' }));
const allRunning = Object.fromEntries(localstackServices.map((service) => [service, 'running']));

describe('the services a LocalStack runs', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('accepts a LocalStack that runs or offers every service the kit uses', async () => {
    // Prepare
    const fetch = vi.fn(async (_url: string) => health({ ...allRunning, s3: 'available', kinesis: 'disabled' }));
    vi.stubGlobal('fetch', fetch);
    // Act
    const checked = requireLocalStackServices('http://127.0.0.1:4577', LocalStackMode.host);
    // Assess
    await expect(checked).resolves.toBeUndefined();
    expect(fetch.mock.calls.map(([url]) => url)).toEqual(['http://127.0.0.1:4577/_localstack/health']);
  });

  it('refuses a host-mode LocalStack started without a service, naming it and how to restart', async () => {
    // Prepare: started by a checkout from before the kit needed CloudWatch
    vi.stubGlobal('fetch', vi.fn(async () => health({ ...allRunning, cloudwatch: 'disabled' })));
    // Act
    const checked = requireLocalStackServices('http://127.0.0.1:4577', LocalStackMode.host);
    // Assess
    await expect(checked).rejects.toThrow(
      'LocalStack at http://127.0.0.1:4577 runs without cloudwatch, which the kit\'s stack needs (it was started with other SERVICES, perhaps by an older checkout): restart it with `make localstack-host-stop`, then `make localstack-host`',
    );
  });

  it('tells a LocalStack in Docker to be recreated, and counts a service it does not list as missing', async () => {
    // Prepare
    const { ses: _left, ...withoutSes } = allRunning;
    vi.stubGlobal('fetch', vi.fn(async () => health({ ...withoutSes, cloudwatch: 'disabled' })));
    // Act
    const checked = requireLocalStackServices('http://localstack:4566', LocalStackMode.docker);
    // Assess
    await expect(checked).rejects.toThrow(/runs without ses, cloudwatch, .*restart it with `docker compose down`, then `docker compose up`$/);
  });

  it('leaves a LocalStack that does not answer its health to the deploy that follows', async () => {
    // Prepare
    vi.stubGlobal('fetch', vi.fn(async () => new Response('not found', { status: 404 })));
    // Act
    const checked = requireLocalStackServices('http://127.0.0.1:4577', LocalStackMode.host);
    // Assess
    await expect(checked).resolves.toBeUndefined();
  });
});
