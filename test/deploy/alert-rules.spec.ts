import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { findOnPath } from '../support/processes';

/**
 * The Prometheus alert rules: each signal an operator needs has an alert with a severity, a
 * summary and a runbook line, and promtool's own unit tests (ragline.rules.test.yml, time
 * series in, alerts out) pass. Whether the rules only use metrics the app exports is checked
 * against a running app in test/admin/grafana-dashboard.e2e-spec.ts.
 */

const RULES_DIR = resolve(__dirname, '..', '..', 'deploy', 'prometheus', 'rules');

interface Rule {
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const groups = (
  load(readFileSync(join(RULES_DIR, 'ragline.rules.yml'), 'utf8')) as {
    groups: { name: string; rules: Rule[] }[];
  }
).groups;
const alerts = groups.flatMap((g) => g.rules).filter((r) => r.alert);

describe('deploy/prometheus/rules/ragline.rules.yml', () => {
  it('alerts on every signal an operator needs', () => {
    const signals: Record<string, RegExp> = {
      'search p95 over target': /ragline_search_p95_target_seconds/,
      'error ratio':
        /status=~"5\.\."[^]*\/[^]*sum\(rate\(ragline_http_request_duration_seconds_count\[/,
      '5xx': /sum by \(route, status\)[^]*status=~"5\.\."/,
      'dead-letter growth': /ragline_job_failures_total\{final="true"\}/,
      'ingest backlog growth': /deriv\(ragline_queue_jobs\{queue="ingest", state="waiting"\}/,
      'circuit open': /ragline_circuit_breaker_state\) == 2/,
      'Redis not ready': /ragline_dependency_ready\{dependency="redis"\}/,
      'store not ready': /ragline_dependency_ready\{dependency="store"\}/,
      'event-loop delay': /ragline_nodejs_eventloop_lag_p99_seconds/,
      'memory near the limit': /ragline_process_resident_memory_bytes \/ ragline_rss_limit_bytes/,
    };
    const missing = Object.entries(signals)
      .filter(([, pattern]) => !alerts.some((a) => pattern.test(a.expr)))
      .map(([signal]) => signal);
    expect(missing).toEqual([]);
  });

  it('gives every alert a unique name, a severity, a summary and a runbook line', () => {
    const names = alerts.map((a) => a.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const a of alerts) {
      expect({
        alert: a.alert,
        severity: a.labels?.severity,
        summary: typeof a.annotations?.summary,
        runbook: (a.annotations?.runbook ?? '').length > 20,
      }).toEqual({
        alert: a.alert,
        severity: expect.stringMatching(/^(critical|warning)$/),
        summary: 'string',
        runbook: true,
      });
    }
  });

  const promtool = findOnPath('promtool');
  if (!promtool) {
    console.warn(
      'SKIPPED promtool checks of the alert rules: promtool is not on PATH (Debian: ' +
        '`apt-get install prometheus`; .ci/run installs it)',
    );
  }
  const withPromtool = promtool ? it : it.skip;
  const promtoolRun = (...args: string[]) => {
    const result = spawnSync(promtool as string, args, { cwd: RULES_DIR, encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  };

  withPromtool('is valid for Prometheus (promtool check rules)', () => {
    expect(promtoolRun('check', 'rules', 'ragline.rules.yml')).toMatchObject({ status: 0 });
  });

  withPromtool('fires, and stays quiet, as its unit tests say (promtool test rules)', () => {
    const result = promtoolRun('test', 'rules', 'ragline.rules.test.yml');
    expect(result).toMatchObject({ status: 0 });
    expect(result.output).toContain('SUCCESS');
  });
});
