import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import type { RunnerOptions } from './modes/options';
import { scenarioNames } from './scenario-script';

function positive(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('expected a number > 0');
  return n;
}

function share(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a number from 0 to 1');
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected an integer >= 1');
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected an integer >= 0');
  return n;
}

function rates(value: string): number[] {
  const list = value.split(',').map(Number);
  if (list.length === 0 || list.some((n) => !(n > 0))) {
    throw new InvalidArgumentError('expected a comma-separated list of rates > 0');
  }
  return list;
}

function envPair(value: string, previous: Record<string, string>): Record<string, string> {
  const i = value.indexOf('=');
  if (i < 1) throw new InvalidArgumentError('expected KEY=VALUE');
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) };
}

export function program(): Command {
  return new Command('npm run load --')
    .description('Run an artillery scenario against a freshly started, freshly seeded ragline')
    .argument('<scenario>', `one of: ${scenarioNames().join(', ')}`)
    .option('--rate <n>', "arrivals/s of the first phase (the scenario's own by default)", positive)
    .option('--duration <s>', "total seconds (the scenario's own by default)", positive)
    .option('--dataset <name>', 'corpus to seed: a folder of ../shared/datasets, or node-docs')
    .option('--docs <n>', 'seed only the first n documents', integer)
    .option('--ingest-dataset <name>', 'corpus ingested under load (default: another one)')
    .option('--ingest-docs <n>', 'ingest only the first n of those', integer)
    .option(
      '--pool <n>',
      "size of the query pool the Zipf mix draws from (default: the corpus's own queries; sentences of its documents fill a larger pool)",
      integer,
    )
    .option('--zipf <s>', 'Zipf exponent of the query mix', Number, 1)
    .option('--p95 <ms>', 'limit on the main endpoint p95', positive)
    .option('--p99 <ms>', 'limit on the main endpoint p99', positive)
    .option('--max-error-rate <r>', 'limit on failed requests / requests', share)
    .option('--min-hit-rate <r>', 'search cache hit rate the run must reach', share)
    .option('--step', 'search-unique: raise the rate step by step until p95 or errors break')
    .option('--rates <list>', 'rates of the steps (default: 10% to 150% of the bare model)', rates)
    .option(
      '--past-break <n>',
      'steps to run after the first that breaks (more points for a plot)',
      count,
      0,
    )
    .option(
      '--refine <n>',
      'steps that bisect between the last rate held and the first that broke (0: none)',
      count,
      2,
    )
    .option('--bare-seconds <s>', 'seconds per batch size measuring the bare model', positive, 5)
    .option('--ingest-compare', 'search-steady idle, then during an ingest of a whole corpus')
    .addOption(
      new Option('--ingest-into <collection>', 'ingest-compare: where the ingest goes')
        .choices(['other', 'same'])
        .default('other'),
    )
    .option('--seed <n>', 'seed of the query pool shuffle', integer, 1)
    .option('--env <KEY=VALUE>', 'extra environment for the service (repeatable)', envPair, {})
    .option('--out <dir>', 'where run folders go', resolve(process.cwd(), 'load', 'out'))
    .option(
      '--warm',
      'search every query of the pool once before the measured run (a warm cache: the steady state)',
    )
    .option('--keep-data', "keep the service's data folder after the run")
    .option('--quiet', "do not echo artillery's console output");
}

/** The options of `npm run load -- <argv...>`; exits with a usage message on bad input. */
export function parseOptions(argv: string[]): RunnerOptions {
  const cli = program().parse(argv, { from: 'user' });
  const options = { ...cli.opts(), scenario: cli.args[0] } as RunnerOptions;
  if (!scenarioNames().includes(options.scenario)) {
    cli.error(`unknown scenario '${options.scenario}' (known: ${scenarioNames().join(', ')})`);
  }
  return options;
}
