/**
 * Runs every benchmark (ingest, embed, store, search, batching, load) one after another, each in
 * its own process, and writes bench/report.json and bench/report.md with the machine, every
 * headline figure and every ratio against its in-run baseline, and the plots the benchmarks
 * send (`plots` in their BENCH line) as bench/<bench>-<plot>.svg.
 *
 *   npm run bench             (BENCH_ONLY=ingest,search to run a subset)
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseBenchLine } from './support/report';
import { lineChart, PlotSpec } from './support/svg-plot';

const BENCHES = ['ingest', 'embed', 'store', 'search', 'batching', 'load', 'sources'];

interface Outcome {
  name: string;
  ok: boolean;
  seconds: number;
  figures?: Record<string, unknown>;
  plots?: Record<string, PlotSpec>;
  error?: string;
}

function run(name: string): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(__dirname, `${name}.bench.js`)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      process.stdout.write(d);
    });
    child.on('exit', (code) => {
      const line = out
        .trim()
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('BENCH '));
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      if (code === 0 && line) resolve({ name, ok: true, seconds, ...parseBenchLine(line) });
      else
        resolve({
          name,
          ok: false,
          seconds,
          error: code === 0 ? 'no BENCH line (skipped?)' : `exit code ${code}`,
        });
    });
  });
}

/** Writes each plot as bench/<bench>-<plot>.svg; returns the Markdown that shows them. */
function drawPlots(dir: string, outcome: Outcome): string[] {
  const lines: string[] = [];
  for (const [key, spec] of Object.entries(outcome.plots ?? {})) {
    const file = `${outcome.name}-${key}.svg`;
    writeFileSync(join(dir, file), lineChart(spec));
    lines.push('', `![${spec.title}](${file})`);
  }
  return lines;
}

function markdown(dir: string, machine: Record<string, unknown>, outcomes: Outcome[]): string {
  const lines = [
    '# ragline benchmark report',
    '',
    `Run ${new Date().toISOString()}`,
    '',
    '## Machine',
    '',
  ];
  for (const [k, v] of Object.entries(machine)) lines.push(`- ${k}: ${String(v)}`);
  for (const o of outcomes) {
    lines.push('', `## bench:${o.name} (${o.seconds} s)`, '');
    if (!o.ok) {
      lines.push(`Not measured: ${o.error}`);
      continue;
    }
    lines.push('| figure | value |', '| --- | --- |');
    for (const [k, v] of Object.entries(o.figures ?? {}))
      lines.push(`| ${k} | ${typeof v === 'object' ? JSON.stringify(v) : String(v)} |`);
    lines.push(...drawPlots(dir, o));
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  const machine = {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
  const outcomes: Outcome[] = [];
  for (const name of BENCHES.filter((b) => !only || only.includes(b))) {
    console.log(`\n=== bench:${name} ===`);
    outcomes.push(await run(name));
  }
  const dir = join(process.cwd(), 'bench');
  writeFileSync(join(dir, 'report.json'), JSON.stringify({ machine, outcomes }, null, 2) + '\n');
  writeFileSync(join(dir, 'report.md'), markdown(dir, machine, outcomes));
  console.log(`\nwrote bench/report.md and bench/report.json`);
  const summary: Record<string, unknown> = {};
  for (const o of outcomes) summary[o.name] = o.ok ? o.figures : { error: o.error };
  console.log(`BENCH ${JSON.stringify(summary)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
