import { describe, expect, it } from 'vitest';
import { UsageError } from '../../scripts/lib/cli.js';
import { portSetting } from '../../scripts/lib/port-setting.js';

describe('portSetting', () => {
  it.each([
    [undefined, 4599],
    ['', 4599],
    ['  ', 4599],
    ['4600', 4600],
    [' 4600 ', 4600],
  ])('reads %j as port %d', (value, port) => {
    // Act
    const read = portSetting('BACKUP_KIT_EMULATOR_PORT', 4599, value === undefined ? {} : { BACKUP_KIT_EMULATOR_PORT: value });
    // Assess
    expect(read).toBe(port);
  });

  it.each(['0', '65536', 'abc', '45.5', '-1', '0x10'])('refuses %j, saying what a port is', (value) => {
    // Act
    const read = () => portSetting('BACKUP_KIT_EMULATOR_PORT', 4599, { BACKUP_KIT_EMULATOR_PORT: value });
    // Assess
    expect(read).toThrow(UsageError);
    expect(read).toThrow(`BACKUP_KIT_EMULATOR_PORT=${value} is not a port: give a whole number from 1 to 65535, or leave it unset for 4599`);
  });
});
