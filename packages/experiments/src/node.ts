/** @iclkr/experiments/node — the Node-only half: worlds named by a preset or a file, activations from folders, checkpoints to folders. */

/** A --world value: a preset name (seeded) or a world JSON file. */
export { resolveWorld } from './node/world.js';
/** A probe source over activations computed elsewhere (docs/activations.md). */
export { activationsProbeSource } from './node/activations.js';
/** A pre-training `save` that writes each checkpoint (and its report files) as one folder, atomically. */
export { folderCheckpointSaver } from './node/checkpoint.js';
/** Report folders: files with subfolders written atomically. */
export { writeFiles, writeReportFolder } from './node/report-files.js';
