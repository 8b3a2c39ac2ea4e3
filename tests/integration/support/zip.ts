import yazl from 'yazl';

/** A function's zip holding one index.mjs. */
export function zipOf(source: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve) => {
    const archive = new yazl.ZipFile();
    archive.addBuffer(Buffer.from(source), 'index.mjs');
    archive.end();
    const chunks: Buffer[] = [];
    archive.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
  });
}
