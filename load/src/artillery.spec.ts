import { ensureVerdicts } from './artillery';

describe('ensureVerdicts', () => {
  it("reads the ensure plugin's ok/fail lines, coloured or not", () => {
    const output = [
      'All VUs finished. Total time: 7 seconds',
      'Log file: /tmp/artillery.json',
      '',
      'ok: vusers.failed / vusers.created <= 0',
      '\u001b[31mfail\u001b[39m: plugins.metrics-by-endpoint.response_time.search.p95 < 50',
      'http.codes.200: ....... 25',
    ].join('\n');

    expect(ensureVerdicts(output)).toEqual([
      { check: 'vusers.failed / vusers.created <= 0', ok: true },
      { check: 'plugins.metrics-by-endpoint.response_time.search.p95 < 50', ok: false },
    ]);
  });
});
