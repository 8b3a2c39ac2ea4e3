import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../scripts/lib/cli.js';
import { prepareOutputFolder, refuseFolderAt } from '../../scripts/lib/output-folder.js';

describe('the folders and files the build writes (dist/, its zip)', () => {
  it('refuses a file where the folder goes and a folder where a file goes, saying what to do, where the build failed with EEXIST or EISDIR', async () => {
    // Prepare
    const root = await mkdtemp(join(tmpdir(), 'dist-'));
    const distFile = join(root, 'dist');
    await writeFile(distFile, 'not a folder');
    const zipFolder = join(root, 'handler.zip');
    await mkdir(zipFolder);
    // Act
    const folderRefused = await prepareOutputFolder(distFile, "the handler's zip").catch((error: unknown) => error);
    const fileRefused = await refuseFolderAt(zipFolder, "the handler's zip").catch((error: unknown) => error);
    const fileAbsent = await refuseFolderAt(join(root, 'absent.zip'), "the handler's zip");
    // Assess
    expect(folderRefused).toBeInstanceOf(UsageError);
    expect((folderRefused as Error).message).toMatch(/dist is a file, not a folder: the kit writes the handler's zip into that folder: move or remove the file, then run this again$/);
    expect(fileRefused).toBeInstanceOf(UsageError);
    expect((fileRefused as Error).message).toMatch(/handler\.zip is a folder, where the kit writes the handler's zip: move or remove the folder, then run this again$/);
    expect(fileAbsent).toBeUndefined();
    await rm(root, { recursive: true, force: true });
  });
});
