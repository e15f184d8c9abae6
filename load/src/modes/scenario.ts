import { renderSummary } from '../summary';
import { drainIngest } from './drain';
import type { RunnerOptions } from './options';
import { artilleryPass, saveSummary, scriptFor } from './pass';
import { openSession } from './session';
import { warmCache } from './warm';

/** One scenario at the asked rate and duration; exits non-zero when an ensure check fails. */
export async function runScenario(options: RunnerOptions): Promise<number> {
  const session = await openSession(options, options.scenario);
  if (options.warm) {
    const queries = session.prepared.material.queries;
    const seconds = await warmCache(session.service.client, queries);
    console.log(`warmed the cache with the pool's ${queries.length} queries in ${seconds} s`);
  }
  const script = scriptFor(session, options);
  const summary = await artilleryPass(session, script, session.dir);
  if (summary.load.endpoints.some((e) => e.name === 'ingest')) {
    const drained = await drainIngest(session.service.client);
    summary.notes.push(
      `the ingest backlog drained ${drained.seconds} s after the load ended` +
        (drained.failed ? `; ${drained.failed} ingest jobs failed` : ''),
    );
  }
  saveSummary(session.dir, summary);
  const text = renderSummary(summary);
  console.log(`\n${text}`);
  console.log(`report: ${session.dir}/summary.md (and summary.json, artillery.json)`);
  return summary.passed ? 0 : 1;
}
