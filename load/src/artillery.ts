import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dump } from 'js-yaml';
import { onExit } from './cleanup';
import { ModelCpuWatch } from './model-cpu';
import { CpuUsage, CpuWatch } from './process-cpu';
import { RedisUsage, RedisWatch } from './redis-usage';
import type { ScenarioScript } from './scenario-script';

/** The artillery of load/package.json (installed by `cd load && npm run setup`). */
export function artilleryBin(root = process.cwd()): string {
  const bin = resolve(root, 'load', 'node_modules', '.bin', 'artillery');
  if (!existsSync(bin)) {
    throw new Error(
      `${bin} is missing: install load's own dependencies with cd load && npm run setup`,
    );
  }
  return bin;
}

/** The processor the scripts name, compiled by the root build beside this file. */
export const PROCESSOR = join(__dirname, 'processor.js');

export interface EnsureVerdict {
  check: string;
  ok: boolean;
}

export interface ArtilleryRun {
  exitCode: number;
  reportPath: string;
  /** The ensure plugin's verdicts, as it printed them. */
  checks: EnsureVerdict[];
  /**
   * CPU from the first phase's start until every virtual user has finished (artillery's
   * start-up and report writing left out): the load generator's (its process, all threads)
   * and the service's (`servicePid`) over the same span, and of it its model threads' (read
   * from the /metrics of `serviceUrl`); and what the Redis at `redisUrl` did meanwhile (its CPU
   * and commands, every client of it counted).
   */
  cpu: { loadGenerator?: CpuUsage; service?: CpuUsage; model?: CpuUsage; redis?: RedisUsage };
}

/**
 * Writes the shaped script into `dir` and runs artillery on it, streaming its console output
 * to `dir`/artillery.log (and to this terminal unless quiet). Ctrl-C stops it.
 */
export async function runArtillery(
  script: ScenarioScript,
  dir: string,
  env: Record<string, string>,
  options: { quiet?: boolean; servicePid?: number; serviceUrl?: string; redisUrl?: string } = {},
): Promise<ArtilleryRun> {
  const scriptPath = join(dir, 'script.yml');
  const reportPath = join(dir, 'artillery.json');
  writeFileSync(scriptPath, dump(script));
  const log = createWriteStream(join(dir, 'artillery.log'));
  const child = spawn(artilleryBin(), ['run', '--output', reportPath, scriptPath], {
    env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true', FORCE_COLOR: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const generatorCpu = new CpuWatch(child.pid ?? 0);
  const serviceCpu = options.servicePid ? new CpuWatch(options.servicePid) : undefined;
  const modelCpu = options.serviceUrl ? new ModelCpuWatch(options.serviceUrl) : undefined;
  const redis = options.redisUrl ? RedisWatch.open(options.redisUrl) : undefined;
  let loadStarted = false;
  let cpu: Omit<ArtilleryRun['cpu'], 'redis' | 'model'> | undefined;
  let redisUsage: Promise<RedisUsage | undefined> | undefined;
  let modelUsage: Promise<CpuUsage | undefined> | undefined;
  const stopCpu = () => {
    redisUsage ??= redis?.stop();
    modelUsage ??= modelCpu?.stop();
    return (cpu ??= { loadGenerator: generatorCpu.stop(), service: serviceCpu?.stop() });
  };
  const forget = onExit('artillery', async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (!loadStarted && output.includes('Phase started')) {
      loadStarted = true;
      generatorCpu.restart();
      serviceCpu?.restart();
      modelCpu?.restart();
      void redis?.restart();
    }
    if (loadStarted && output.includes('All VUs finished')) stopCpu();
    log.write(chunk);
    if (!options.quiet) process.stdout.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exitCode = await new Promise<number>((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code, signal) => done(code ?? (signal ? 128 : 1)));
  }).catch(async (error: unknown) => {
    stopCpu();
    await redisUsage; // closes the watch's connection
    throw error;
  });
  forget();
  log.end();
  const processes = stopCpu();
  return {
    exitCode,
    reportPath,
    checks: ensureVerdicts(output),
    cpu: { ...processes, model: await modelUsage, redis: await redisUsage },
  };
}

/** The `ok: <check>` / `fail: <check>` lines the ensure plugin prints at the end. */
export function ensureVerdicts(output: string): EnsureVerdict[] {
  // colour codes, should a terminal setting force them despite FORCE_COLOR=0
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  const verdicts: EnsureVerdict[] = [];
  for (const line of plain.split('\n')) {
    const match = /^\s*(ok|fail): (.+?)\s*$/.exec(line);
    if (match) verdicts.push({ check: match[2], ok: match[1] === 'ok' });
  }
  return verdicts;
}
