import { relative } from 'node:path';
import { buildArtefact, kib, oneBuildAtATime, writeArtefact } from './lib/artefact.js';
import { run } from './lib/cli.js';
import { artefactPath, projectRoot } from './lib/paths.js';

run(async () => {
  const started = performance.now();
  const artefact = await oneBuildAtATime(async () => {
    const built = await buildArtefact();
    await writeArtefact(built);
    return built;
  });
  console.log(`built ${relative(projectRoot, artefactPath)}: ${kib(artefact.bytes.length)}, sha256 ${artefact.sha256} (${Math.round(performance.now() - started)} ms)`);
});
