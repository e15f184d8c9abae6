import { cpuUsage, type CpuUsage } from './process-cpu';

/**
 * The CPU seconds of the service's model threads, summed over embedders, from the text of its
 * /metrics (`ragline_model_cpu_seconds_total`); undefined when the service exports none (a
 * remote embedder, or not Linux).
 */
export function parseModelCpuSeconds(exposition: string): number | undefined {
  let total: number | undefined;
  for (const match of exposition.matchAll(
    /^ragline_model_cpu_seconds_total(?:\{[^}]*\})? ([0-9.eE+-]+)$/gm,
  )) {
    total = (total ?? 0) + Number(match[1]);
  }
  return total;
}

/**
 * Follows the CPU of the service's model threads over a span, read from its /metrics, as
 * CpuWatch does for the whole process: beside it, how much of the service's work was the model.
 * A scrape that fails leaves the figure unmeasured.
 */
export class ModelCpuWatch {
  private start: Promise<{ seconds: number; at: number } | undefined>;

  constructor(private readonly serviceUrl: string) {
    this.start = this.read();
  }

  /** Counts from now on (e.g. once start-up is over). */
  restart(): void {
    this.start = this.read();
  }

  async stop(): Promise<CpuUsage | undefined> {
    const [start, end] = await Promise.all([this.start, this.read()]);
    if (!start || !end) return undefined;
    const wallSeconds = (end.at - start.at) / 1000;
    if (wallSeconds <= 0) return undefined;
    return cpuUsage(end.seconds - start.seconds, wallSeconds);
  }

  private async read(): Promise<{ seconds: number; at: number } | undefined> {
    const at = performance.now();
    try {
      const response = await fetch(`${this.serviceUrl}/metrics`, {
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) return undefined;
      const seconds = parseModelCpuSeconds(await response.text());
      return seconds === undefined ? undefined : { seconds, at };
    } catch {
      return undefined;
    }
  }
}
