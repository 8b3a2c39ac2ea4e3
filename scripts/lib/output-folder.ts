import { mkdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { relative } from 'node:path';
import { UsageError } from './cli.js';
import { projectRoot } from './paths.js';

const shown = (path: string) => relative(projectRoot, path) || path;

/**
 * Makes a folder the kit writes into when missing; refuses, before any work, a file of its name (mkdir and every write
 * into it would fail with ENOTDIR or EEXIST, and say nothing of what to do). `holds` says what the kit writes there.
 */
export async function prepareOutputFolder(directory: string, holds: string): Promise<void> {
  try {
    // Synchronous, as the lock files written into it are (start-lock.ts): the artefact's unit tests fake the promise
    // API's files alone, and a clean checkout has no dist/ yet for the build's lock.
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
    throw new UsageError(`${shown(directory)} is a file, not a folder: the kit writes ${holds} into that folder: move or remove the file, then run this again`);
  }
}

/** Refuses a folder where the kit writes a file (the write would fail with EISDIR, saying nothing of what to do). */
export async function refuseFolderAt(file: string, holds: string): Promise<void> {
  const found = await stat(file).catch(() => undefined);
  if (found?.isDirectory()) throw new UsageError(`${shown(file)} is a folder, where the kit writes ${holds}: move or remove the folder, then run this again`);
}
