/**
 * The load runner: starts the service as its own process on a fresh data folder, seeds it with
 * a real corpus, runs an artillery scenario against it, stops everything and writes a report.
 *
 *   npm run load -- <scenario> [options]           (from the repository root or from load/)
 *   npm run load -- search-unique --step           (raise the rate until p95 or errors break)
 *   npm run load -- search-steady --ingest-compare (idle vs during a whole-corpus ingest)
 *
 * `npm run load -- --help` lists the options.
 */
import { finish } from './cleanup';
import { parseOptions } from './cli';
import { runIngestCompare } from './modes/ingest-compare';
import { runScenario } from './modes/scenario';
import { runSteps } from './modes/steps';

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options.step) return runSteps(options);
  if (options.ingestCompare) return runIngestCompare(options);
  return runScenario(options);
}

main()
  .then((code) => finish(code))
  .catch((err: unknown) => {
    console.error(`load run failed: ${err instanceof Error ? err.message : String(err)}`);
    return finish(2);
  });
