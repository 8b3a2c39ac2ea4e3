import { relative } from 'node:path';
import { buildArtefact, writeArtefact } from './lib/artefact.js';
import { run } from './lib/cli.js';
import { artefactPath, projectRoot } from './lib/paths.js';

run(async () => {
  const started = performance.now();
  const artefact = await buildArtefact();
  await writeArtefact(artefact);
  const kib = (artefact.bytes.length / 1024).toFixed(1);
  console.log(`built ${relative(projectRoot, artefactPath)}: ${kib} KiB, sha256 ${artefact.sha256} (${Math.round(performance.now() - started)} ms)`);
});
