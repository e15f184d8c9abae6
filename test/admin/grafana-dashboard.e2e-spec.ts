import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PerformanceReport } from '../../src/monitor/performance-report';
import { http, RunningApp, startApp, waitForJobs } from '../support/app-harness';

const ROOT = join(__dirname, '..', '..');
const DASHBOARD = join(ROOT, 'deploy', 'grafana', 'dashboards', 'ragline.json');
const ALERT_RULES = join(ROOT, 'deploy', 'prometheus', 'rules', 'ragline.rules.yml');
const DATASOURCES = join(
  ROOT,
  'deploy',
  'grafana',
  'provisioning',
  'datasources',
  'prometheus.yml',
);

/** Labels Prometheus adds when it scrapes, and the bucket label of histograms. */
const SCRAPE_LABELS = new Set(['job', 'instance']);
/** Series Prometheus itself writes for each target. */
const SCRAPE_SERIES = new Set(['up']);
const PROMQL_KEYWORDS = new Set([
  'and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring',
  'group_left', 'group_right', 'inf', 'nan',
]); // prettier-ignore

interface Target {
  refId?: string;
  expr?: string;
  datasource?: { uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid?: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; query: { query: string } | string }[] };
  annotations: { list: { name: string; expr?: string; datasource?: { uid?: string } }[] };
}

/** What /metrics says: each metric family's type, and the label names seen on its samples. */
interface Exported {
  types: Map<string, string>;
  /** Sample name (with _bucket/_sum/_count for histograms) -> label names seen. */
  samples: Map<string, Set<string>>;
}

function parseExposition(text: string): Exported {
  const types = new Map<string, string>();
  const samples = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    if (!line || line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s/.exec(line);
    if (!sample) continue;
    const labels = samples.get(sample[1]) ?? new Set<string>();
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_]\w*)="/g)) labels.add(m[1]);
    samples.set(sample[1], labels);
  }
  return { types, samples };
}

/** The family a sample name belongs to: `x_bucket` of histogram `x` is `x`. */
function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (m && ['histogram', 'summary'].includes(types.get(m[1]) ?? '')) {
    if (m[2] === 'bucket' && types.get(m[1]) !== 'histogram') return undefined;
    return m[1];
  }
  return undefined;
}

/** Metric names a PromQL expression selects (not functions, keywords, labels or durations). */
function metricNames(expr: string): string[] {
  let e = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  e = e.replace(/\{[^}]*\}/g, ' ');
  e = e.replace(/\[[^\]]*\]/g, ' ');
  e = e.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const m of e.matchAll(/(?<![\w.$])[a-zA-Z_:][\w:]*/g)) {
    const rest = e.slice((m.index ?? 0) + m[0].length);
    if (/^\s*\(/.test(rest) || PROMQL_KEYWORDS.has(m[0].toLowerCase())) continue;
    names.push(m[0]);
  }
  return names;
}

/** `metric{a="x", b=~"y"}` -> [metric, [a, b]] for every selector with matchers. */
function selectors(expr: string): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const m of expr.matchAll(/([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}/g)) {
    const labels = [...m[2].matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]);
    out.push([m[1], labels]);
  }
  return out;
}

/** Every PromQL expression in the dashboard, with where it is. */
function expressions(d: Dashboard): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const p of d.panels) {
    for (const t of p.targets ?? []) {
      out.push({ where: `panel '${p.title}' ${t.refId}`, expr: t.expr ?? '' });
    }
  }
  for (const a of d.annotations.list) {
    if (a.expr !== undefined) out.push({ where: `annotation '${a.name}'`, expr: a.expr });
  }
  for (const v of d.templating.list) {
    const query = typeof v.query === 'string' ? v.query : v.query.query;
    const m = /^label_values\((.*),\s*(\w+)\)$/.exec(query.trim());
    out.push({ where: `variable '${v.name}'`, expr: m ? m[1] : query });
  }
  return out;
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;

/** The alert rules' expressions, checked like the dashboard's. */
function alertExpressions(): { where: string; expr: string }[] {
  const { groups } = load(readFileSync(ALERT_RULES, 'utf8')) as {
    groups: { rules: { alert?: string; record?: string; expr: string }[] }[];
  };
  return groups.flatMap((g) =>
    g.rules.map((r) => ({ where: `alert ${r.alert ?? r.record}`, expr: r.expr })),
  );
}
const checked = [...expressions(dashboard), ...alertExpressions()];

describe('Grafana dashboard (deploy/grafana/dashboards/ragline.json)', () => {
  it('is a well-formed dashboard on the provisioned Prometheus data source', () => {
    const provisioned = load(readFileSync(DATASOURCES, 'utf8')) as {
      datasources: { uid: string; type: string }[];
    };
    const uid = provisioned.datasources.find((d) => d.type === 'prometheus')?.uid;
    // Every panel below must name this data source; an unset one would match panels without.
    expect(uid).toBe('prometheus');
    expect(dashboard.uid).toBe('ragline');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);

    const cells = new Map<string, string>();
    for (const p of dashboard.panels) {
      const { x, y, w, h } = p.gridPos;
      expect({ panel: p.title, fits: x >= 0 && w > 0 && h > 0 && x + w <= 24 }).toEqual({
        panel: p.title,
        fits: true,
      });
      // No two panels on the same grid cell.
      for (let cx = x; cx < x + w; cx++) {
        for (let cy = y; cy < y + h; cy++) {
          const taken = cells.get(`${cx},${cy}`);
          expect({ panel: p.title, overlaps: taken }).toEqual({
            panel: p.title,
            overlaps: undefined,
          });
          cells.set(`${cx},${cy}`, p.title);
        }
      }
      if (p.type === 'row') continue;
      expect(p.datasource?.uid).toBe(uid);
      expect(p.targets?.length).toBeGreaterThan(0);
      const refs = (p.targets ?? []).map((t) => t.refId);
      expect(new Set(refs).size).toBe(refs.length);
      for (const t of p.targets ?? []) {
        expect(t.datasource?.uid).toBe(uid);
        expect(t.expr?.trim()).toBeTruthy();
      }
    }
    // The live page's charts all have a panel here.
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join(' | ');
    for (const chart of [
      'search latency',
      'throughput',
      'cache hit rate by tier',
      'queue depth',
      'batch size',
      'optimizer actions',
      'cpu',
      'resident memory',
      'heap',
      'event-loop lag',
      // ... and the signals the alerts watch.
      'circuit breakers',
      'dependencies ready',
      '429',
      '5xx',
      'dead-lettered',
      'store call duration',
      'embedding call duration',
      'memory used of the limit',
    ]) {
      expect(titles).toContain(chart);
    }
  });

  it('reads expressions as the check below does', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, queue) (rate(a_seconds_bucket{job=~"$job", route="/x/:y"}[$__rate_interval]))) / on(job) group_left b_total offset 5m > 1e3',
      ),
    ).toEqual(['a_seconds_bucket', 'b_total']);
  });

  describe('against the metrics a running app exports', () => {
    let app: RunningApp;
    let exported: Exported;

    beforeAll(async () => {
      app = await startApp({
        RAGLINE_MONITOR_INTERVAL_MS: '300',
        // An unreachable target, so the optimizer acts and its counter has samples.
        RAGLINE_SEARCH_P95_TARGET_MS: '1',
        RAGLINE_OPTIMIZER_COOLDOWN_MS: '300',
      });
      await http(app.url, 'PUT', '/v1/collections/metrics-check', {});
      const ingest = await http<{ jobs: { id: string }[] }>(
        app.url,
        'POST',
        '/v1/collections/metrics-check/documents',
        {
          documents: [
            { id: 'a', text: 'Prometheus scrapes metrics over HTTP in a text format.' },
            { id: 'b', text: 'Grafana draws dashboards from Prometheus queries.' },
          ],
        },
      );
      await waitForJobs(
        app.url,
        ingest.body.jobs.map((j) => j.id),
      );
      // More searches than the optimizer's minimum sample (20), so its search rules can act.
      for (let i = 0; i < 8; i++) {
        for (const query of ['scrape metrics', 'draw dashboards', 'text format']) {
          await http(app.url, 'POST', '/v1/collections/metrics-check/search', { query });
        }
      }
      const deadline = Date.now() + 20_000;
      for (;;) {
        const perf = await http<PerformanceReport>(app.url, 'GET', '/v1/health/performance');
        if (perf.body.actions.length > 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const metrics = await http<string>(app.url, 'GET', '/metrics');
      exported = parseExposition(String(metrics.body));
    }, 90_000);
    afterAll(() => app?.close());

    it('queries only metrics the app exports, all with the ragline_ prefix (alerts too)', () => {
      const problems: string[] = [];
      for (const { where, expr } of checked) {
        const names = metricNames(expr);
        if (names.length === 0) problems.push(`${where}: selects no metric`);
        for (const name of names.filter((n) => !SCRAPE_SERIES.has(n))) {
          if (!name.startsWith('ragline_'))
            problems.push(`${where}: ${name} lacks the ragline_ prefix`);
          if (!familyOf(name, exported.types)) problems.push(`${where}: ${name} is not exported`);
          else if (!exported.samples.has(name)) {
            problems.push(`${where}: ${name} has no samples after the traffic`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('uses labels those metrics carry, and rates only counters and histogram parts', () => {
      const problems: string[] = [];
      for (const { where, expr } of checked) {
        const names = metricNames(expr);
        for (const [metric, labels] of selectors(expr).filter(([m]) => !SCRAPE_SERIES.has(m))) {
          const seen = exported.samples.get(metric) ?? new Set<string>();
          for (const label of labels) {
            if (!seen.has(label) && !SCRAPE_LABELS.has(label)) {
              problems.push(`${where}: ${metric} has no label '${label}'`);
            }
          }
        }
        const available = new Set<string>([...SCRAPE_LABELS]);
        for (const n of names) for (const l of exported.samples.get(n) ?? []) available.add(l);
        for (const m of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
          for (const label of m[1]
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)) {
            if (!available.has(label))
              problems.push(`${where}: groups by unknown label '${label}'`);
          }
        }
        for (const m of expr.matchAll(/\b(rate|irate|increase)\(\s*([a-zA-Z_:][\w:]*)/g)) {
          const family = familyOf(m[2], exported.types);
          const type = family ? exported.types.get(family) : undefined;
          const ok = type === 'counter' || (family !== m[2] && type === 'histogram');
          if (!ok) problems.push(`${where}: ${m[1]}() over ${m[2]} (${type ?? 'unknown'})`);
        }
        for (const m of expr.matchAll(/histogram_quantile\([^,]+,[^]*?\b([a-zA-Z_:][\w:]*)\{/g)) {
          if (!m[1].endsWith('_bucket')) problems.push(`${where}: histogram_quantile over ${m[1]}`);
        }
      }
      expect(problems).toEqual([]);
    });
  });
});
