import yazl from 'yazl';

/** A function's zip holding one file, index.mjs unless named. */
export function zipOf(source: string, fileName = 'index.mjs'): Promise<Buffer> {
  return new Promise<Buffer>((resolve) => {
    const archive = new yazl.ZipFile();
    archive.addBuffer(Buffer.from(source), fileName);
    archive.end();
    const chunks: Buffer[] = [];
    archive.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
  });
}
