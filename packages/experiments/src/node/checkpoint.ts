import type { PretrainReport } from '@iclkr/core';
import { replaceFolder } from '@iclkr/core/node';
import { saveGptCheckpoint } from '@iclkr/probing/node';
import type { PretrainCheckpoint } from '../pretrain/run.js';
import { writeFiles } from './report-files.js';

/**
 * A pre-training `save` for folder `dir`: each checkpoint replaces the folder atomically, with the
 * files `reportFiles` makes from the report so far (name -> text) beside the model.
 */
export function folderCheckpointSaver(
  dir: string,
  reportFiles: (report: PretrainReport) => Promise<Readonly<Record<string, string>>>,
): (checkpoint: PretrainCheckpoint, report: PretrainReport) => Promise<void> {
  return async (checkpoint, report) => {
    const files = await reportFiles(report);
    await replaceFolder(dir, async (temporary) => {
      await saveGptCheckpoint(temporary, checkpoint);
      await writeFiles(temporary, files);
    });
  };
}
