import * as processor from './processor';
import {
  ERROR_RATE,
  HIT_RATE,
  mainEndpoint,
  offeredLoad,
  readScenario,
  ScenarioScript,
  scenarioNames,
  shapeScript,
} from './scenario-script';

const SCENARIOS = ['ingest-burst', 'mixed', 'search-spike', 'search-steady', 'search-unique'];

/** Every processor function a flow names (function steps, hooks and ifTrue guards). */
function namedFunctions(script: ScenarioScript): string[] {
  const names: string[] = [];
  for (const scenario of script.scenarios) {
    for (const step of scenario.flow as Record<string, Record<string, unknown> | string>[]) {
      if (typeof step.function === 'string') names.push(step.function);
      for (const request of Object.values(step)) {
        if (typeof request !== 'object') continue;
        for (const hook of ['beforeRequest', 'afterResponse', 'ifTrue']) {
          const value = request[hook];
          if (value !== undefined) names.push(...([] as string[]).concat(value as string));
        }
      }
    }
  }
  return names;
}

describe('load scenarios', () => {
  it('are the five the load issue names', () => {
    expect(scenarioNames()).toEqual(SCENARIOS);
  });

  describe.each(SCENARIOS)('%s', (name) => {
    const script = readScenario(name);

    it('is an artillery script with phases, the processor and scenarios', () => {
      expect(script.config.target).toMatch(/^http:\/\//);
      expect(script.config.processor).toBe('../../dist/load/src/processor.js');
      expect(script.config.phases.length).toBeGreaterThan(0);
      for (const phase of script.config.phases) {
        expect(phase.duration).toBeGreaterThan(0);
        expect(phase.arrivalRate).toBeGreaterThan(0);
      }
      expect(script.scenarios.length).toBeGreaterThan(0);
    });

    it('reuses connections without ever queueing requests for one, and outwaits the service', () => {
      const http = script.config.http as { pool: number; timeout: number };
      expect(http.pool).toBeGreaterThanOrEqual(1000);
      expect(http.timeout).toBeGreaterThan(10); // RAGLINE_SEARCH_TIMEOUT_MS defaults to 10 s
    });

    it('loads metrics-by-endpoint (by request name) and ensure', () => {
      expect(script.config.plugins?.['metrics-by-endpoint']).toEqual({ useOnlyRequestNames: true });
      expect(script.config.plugins?.ensure).toEqual({});
    });

    it('has ensure thresholds on p95 and p99 of its main endpoint and an error-rate condition', () => {
      const main = mainEndpoint(script);
      const metrics = (script.config.ensure?.thresholds ?? []).map((t) => Object.keys(t)[0]);
      const conditions = (script.config.ensure?.conditions ?? []).map((c) => c.expression);

      expect(main).toMatch(/^plugins\.metrics-by-endpoint\.response_time\.[a-z-]+$/);
      expect(metrics).toEqual(expect.arrayContaining([`${main}.p95`, `${main}.p99`]));
      expect(conditions).toContain(`${ERROR_RATE} <= 0`);
    });

    it('names only functions the processor exports, and names every request', () => {
      const exported = Object.keys(processor);
      for (const fn of namedFunctions(script)) expect(exported).toContain(fn);
      const requests = script.scenarios.flatMap((scenario) =>
        (scenario.flow as Record<string, { name?: string }>[])
          .filter((step) => step.post)
          .map((step) => step.post.name),
      );
      expect(requests.length).toBeGreaterThan(0);
      for (const name of requests) expect(name).toMatch(/^[a-z-]+$/);
      // every limit is on an endpoint the flows actually request
      for (const t of script.config.ensure?.thresholds ?? []) {
        const endpoint = Object.keys(t)[0].split('.').slice(-2)[0];
        expect(requests).toContain(endpoint);
      }
    });
  });

  it('search-steady asks for the cache hit rate the headline goal names', () => {
    const conditions = readScenario('search-steady').config.ensure?.conditions ?? [];
    expect(conditions.map((c) => c.expression)).toContain(`${HIT_RATE} >= 0.85`);
  });
});

describe('shapeScript', () => {
  const spike = readScenario('search-spike');

  it('scales every phase with --rate and --duration, keeping the shape', () => {
    const shaped = shapeScript(spike, {
      target: 'http://127.0.0.1:4000',
      processor: '/abs/processor.js',
      rate: 10,
      duration: 20,
    });

    expect(shaped.config.target).toBe('http://127.0.0.1:4000');
    expect(shaped.config.processor).toBe('/abs/processor.js');
    expect(shaped.config.phases.map((p) => p.arrivalRate)).toEqual([10, 50, 10]);
    expect(shaped.config.phases.map((p) => p.duration)).toEqual([8, 2, 10]);
    expect(offeredLoad(shaped)).toEqual({ meanRate: 14, seconds: 20 });
    // the original is untouched
    expect(spike.config.phases[0].arrivalRate).toBe(100);
  });

  it('writes every constant phase as a ramp to its own rate (no nanotimer spin) and keeps real ramps', () => {
    const ramped: ScenarioScript = structuredClone(spike);
    ramped.config.phases[1].rampTo = 300;
    const shaped = shapeScript(ramped, { target: 'http://x', processor: 'p.js', rate: 10 });

    expect(shaped.config.phases.map((p) => [p.arrivalRate, p.rampTo])).toEqual([
      [10, 10],
      [50, 30],
      [10, 10],
    ]);
  });

  it('keeps the plain form where a ramp would change the arrivals: fractional rates, 1 s phases', () => {
    const phasesAt = (rate: number) =>
      shapeScript(spike, {
        target: 'http://x',
        processor: 'p.js',
        rate,
        duration: 10,
      }).config.phases.map((p) => [p.arrivalRate, p.duration, p.rampTo]);

    expect(phasesAt(2.5)).toEqual([
      [2.5, 4, undefined],
      [12.5, 1, undefined],
      [2.5, 5, undefined],
    ]);
    expect(phasesAt(10)).toEqual([
      [10, 4, 10],
      [50, 1, undefined],
      [10, 5, 10],
    ]);
  });

  it('scales moments within the run (variables named *Seconds) with --duration', () => {
    const shaped = shapeScript(readScenario('ingest-burst'), {
      target: 'http://x',
      processor: 'p.js',
      duration: 6,
      variables: { zipfExponent: 1.2 },
    });
    expect(shaped.config.variables).toMatchObject({
      burstAtSeconds: 1,
      burstBatchDocs: 100,
      zipfExponent: 1.2,
    });
  });

  it('replaces the limits it is given and leaves the others', () => {
    const shaped = shapeScript(readScenario('search-steady'), {
      target: 'http://x',
      processor: 'p.js',
      p95: 80,
      maxErrorRate: 0.01,
      minHitRate: 0.5,
    });
    const main = mainEndpoint(shaped);

    expect(shaped.config.ensure?.thresholds).toEqual([
      { [`${main}.p95`]: 80 },
      { [`${main}.p99`]: 250 },
    ]);
    expect(shaped.config.ensure?.conditions?.map((c) => c.expression)).toEqual([
      `${ERROR_RATE} <= 0.01`,
      `${HIT_RATE} >= 0.5`,
    ]);
  });

  it('adds a hit-rate condition to a scenario that had none', () => {
    const shaped = shapeScript(readScenario('search-unique'), {
      target: 'http://x',
      processor: 'p.js',
      minHitRate: 0.1,
    });
    expect(shaped.config.ensure?.conditions?.map((c) => c.expression)).toContain(
      `${HIT_RATE} >= 0.1`,
    );
  });
});
