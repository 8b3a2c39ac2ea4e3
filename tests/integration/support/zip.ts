import yazl from 'yazl';

/** A function's zip holding these files (path in the zip → source), with Unix modes where given (yazl's 0664 else). */
export function zipOfFiles(files: Readonly<Record<string, string>>, modes: Readonly<Record<string, number>> = {}): Promise<Buffer> {
  return new Promise<Buffer>((resolve) => {
    const archive = new yazl.ZipFile();
    for (const [fileName, source] of Object.entries(files)) archive.addBuffer(Buffer.from(source), fileName, modes[fileName] === undefined ? {} : { mode: modes[fileName] });
    archive.end();
    const chunks: Buffer[] = [];
    archive.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** A function's zip holding one file, index.mjs unless named. */
export function zipOf(source: string, fileName = 'index.mjs'): Promise<Buffer> {
  return zipOfFiles({ [fileName]: source });
}
