import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { localstackServices } from '../../scripts/lib/localstack-services.js';
import { projectRoot } from '../../scripts/lib/paths.js';

type Service = {
  image?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition?: string }>;
  command?: string[];
};
type Compose = { services: Record<string, Service> };


let compose: Compose;
let raw: unknown;

beforeAll(async () => {
  raw = parse(await readFile(join(projectRoot, 'compose.yaml'), 'utf8'));
  compose = raw as Compose;
});

const service = (name: string): Service => {
  const found = compose.services[name];
  if (!found) throw new Error(`compose.yaml has no service ${name}`);
  return found;
};

describe('compose.yaml', () => {
  it('is valid against the Compose Specification schema', async () => {
    // Prepare
    // The Compose Specification schema as dclint (our compose linter) ships it.
    const schema = JSON.parse(await readFile(join(projectRoot, 'node_modules/dclint/schemas/compose.schema.json'), 'utf8')) as object;
    const ajv = new Ajv.default({ strict: false, allErrors: true });
    addFormats.default(ajv);
    // Compose's own formats: durations such as "5s", ports and expose entries.
    ajv.addFormat('duration', /^(\d+(\.\d+)?(us|ms|s|m|h))+$/);
    ajv.addFormat('ports', true);
    ajv.addFormat('expose', true);
    const validate = ajv.compile({ ...schema, $schema: undefined });
    // Act
    const valid = validate(raw);
    // Assess
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('pins LocalStack to 4.14.0, overridable, and passes an auth token through', () => {
    // Assess
    expect(service('localstack').image).toBe('${LOCALSTACK_IMAGE:-localstack/localstack:4.14.0}');
    expect(service('localstack').environment?.LOCALSTACK_AUTH_TOKEN).toBe('${LOCALSTACK_AUTH_TOKEN:-}');
  });

  it('mounts the Docker socket so that LocalStack can run Lambda containers', () => {
    // Assess
    expect(service('localstack').volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
  });

  it('has a healthcheck that the deployer waits for', () => {
    // Assess
    expect(service('localstack').healthcheck?.test?.join(' ')).toContain('/_localstack/health');
    expect(service('deployer').depends_on).toEqual({ localstack: { condition: 'service_healthy' } });
  });

  it("deploys with the same deploy script against the localstack service, which takes the host's zip as it is when fresh", () => {
    // Prepare
    const command = service('deployer').command?.join(' ') ?? '';
    // Assess
    expect(command).not.toContain('scripts/build.ts');
    expect(command).toContain('node --import tsx scripts/deploy.ts --target localstack');
    expect(service('localstack').environment?.LAMBDA_IGNORE_ARCHITECTURE).toBe('1');
    expect(service('deployer').environment?.LOCALSTACK_ENDPOINT).toBe('http://localstack:4566');
  });
});

describe("compose.yaml's deployer in the checkout", () => {
  it("hands back to the checkout's owner the node_modules mount point Docker makes in the checkout as root", () => {
    // Prepare: its own node_modules volume is mounted inside the checkout's bind mount, so a checkout without
    // node_modules (`docker compose up` before `make setup`) gets an empty one from Docker, owned by root, which the
    // host's `npm ci` is then refused (EACCES); only a second mount of the checkout reaches that folder from inside.
    const deployer = service('deployer');
    const command = deployer.command?.join(' ') ?? '';
    // Assess
    expect(deployer.volumes).toEqual(expect.arrayContaining(['.:/kit', 'deployer-node-modules:/kit/node_modules', '.:/checkout']));
    expect(command).toContain('chown "$$(stat -c %u:%g /checkout)" /checkout/node_modules;');
    expect(command.indexOf('/checkout/node_modules')).toBeLessThan(command.indexOf('npm ci'));
  });
});

describe('the services LocalStack runs', () => {
  it('are the same in Docker (compose.yaml) and in host mode (scripts/localstack/host.py)', async () => {
    // Prepare
    const hostScript = await readFile(join(projectRoot, 'scripts/localstack/host.py'), 'utf8');
    // Act
    const inHostMode = /^SERVICES = "([^"]+)"$/m.exec(hostScript)?.[1];
    // Assess
    expect(inHostMode).toBe(service('localstack').environment?.SERVICES);
  });

  it('are those the deploy requires of a LocalStack', () => {
    // Assess
    expect(service('localstack').environment?.SERVICES).toBe(localstackServices.join(','));
  });
});

describe('.env.example', () => {
  it('names every variable compose.yaml reads, with compose.yaml’s own default', async () => {
    // Prepare
    const text = await readFile(join(projectRoot, 'compose.yaml'), 'utf8');
    const example = await readFile(join(projectRoot, '.env.example'), 'utf8');
    const read = Object.fromEntries([...text.matchAll(/\$\{([A-Z_]+):-([^}]*)\}/g)].map((m) => [m[1]!, m[2]!]));
    const given = Object.fromEntries(example.split('\n').filter((line) => /^[A-Z_]+=/.test(line)).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    // Assess
    expect(Object.keys(read).sort()).toEqual(['LOCALSTACK_AUTH_TOKEN', 'LOCALSTACK_DEBUG', 'LOCALSTACK_IMAGE', 'NODE_IMAGE']);
    expect(given).toEqual(read);
  });
});
