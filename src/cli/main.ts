/** Entry point of the `ragline` command (bin/ragline.js loads the built copy of this file). */
import { processIO } from './io';
import { runCli } from './program';

void runCli(process.argv, processIO()).then((code) => {
  process.exitCode = code;
});
