import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { environmentWithoutAws, runCommand, withTsx } from '../support/run-command.js';
import { usePrivateEmulator } from './support/embedded.js';

const running = usePrivateEmulator();

describe('the verbs on an emulator without the stack', () => {
  it.each([
    ['restore', ['--key', 'docs/a.txt'], 'and no backups are kept in s3://backup-kit-backup-123456789012-us-east-1 (deleted with DELETE_BACKUPS=1, or never made): there is nothing to restore from'],
    ['reconcile', [], ': deploy it first with `make deploy TARGET=embedded`'],
    ['redrive', [], ': deploy it first with `make deploy TARGET=embedded`'],
  ])('make %s says there is no stack, and exits 2, as for a set-up without one', async (verb, args, says) => {
    // Prepare
    const { endpoint } = running().emulator;
    // Act
    const finished = await runCommand(process.execPath, withTsx(join('scripts', `${verb}.ts`), ...args), { ...environmentWithoutAws(), BACKUP_KIT_EMULATOR_PORT: new URL(endpoint).port });
    // Assess
    expect({ code: finished.code, stderr: finished.stderr }).toEqual({ code: 2, stderr: `error: no stack backup-kit on embedded at ${endpoint}${verb === 'restore' ? ', ' : ''}${says}\n` });
  }, 60_000);
});
