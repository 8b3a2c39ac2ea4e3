import { UsageError } from './cli.js';

/**
 * A port named by an environment variable: unset or blank is the fallback, as `make emulator` reads it
 * (`${BACKUP_KIT_EMULATOR_PORT:-4599}`); anything but a whole number from 1 to 65535 is refused. A blank read as
 * port 0 would start a new emulator on a random port at every deploy, none of them found again.
 */
export function portSetting(variable: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const value = env[variable]?.trim();
  if (!value) return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65_535) {
    throw new UsageError(`${variable}=${env[variable]} is not a port: give a whole number from 1 to 65535, or leave it unset for ${fallback}`);
  }
  return port;
}
