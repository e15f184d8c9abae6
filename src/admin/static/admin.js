/* ragline live performance page: polls /admin/api/performance and draws it with uPlot.
 * Plain browser JavaScript, no build step. Every request goes to /admin/api/... on this origin,
 * so whatever credentials opened /admin (HTTP Basic in a browser) are sent with it. */
(function () {
  'use strict';

  var API = '/admin/api';
  /**
   * Request URLs are absolute on location.origin: a page opened as http://user:key@host/admin
   * has those credentials in its own URL, and fetch() refuses a relative URL resolved against
   * it ("Request cannot be constructed from a URL that includes credentials"). The browser
   * still sends the Basic credentials it authenticated /admin with.
   */
  function apiUrl(path) {
    return new URL(API + path, location.origin).href;
  }
  /** Samples the monitor keeps at most (its default history size); asking for more is harmless. */
  var FULL_HISTORY = 720;
  var MAX_KEPT = 2000;

  var COLORS = {
    p50: '#60a5fa',
    p95: '#f59e0b',
    p99: '#ef4444',
    http95: '#94a3b8',
    requests: '#38bdf8',
    searches: '#a78bfa',
    ingest: '#34d399',
    l1: '#22c55e',
    l2: '#38bdf8',
    hit: '#e2e8f0',
    cpu: '#38bdf8',
    loop: '#f59e0b',
    marker: '#f472b6',
    axis: '#8b97a8',
    grid: 'rgba(139, 151, 168, 0.13)',
  };
  var PALETTE = [
    '#38bdf8',
    '#a78bfa',
    '#34d399',
    '#f59e0b',
    '#f472b6',
    '#facc15',
    '#fb7185',
    '#2dd4bf',
  ];
  var QUEUE_COLORS = { ingest: '#f59e0b', search: '#a78bfa', reembed: '#34d399', tune: '#f472b6' };
  /** Tick steps for counts: whole jobs and items, never 0.25 of one. */
  var INTEGER_INCRS = [
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 1e6,
  ];

  var state = {
    config: null,
    samples: [],
    report: null,
    actions: [],
    charts: {},
    chartKeys: {},
    rangeSec: 900,
    paused: false,
    timer: null,
    lastOk: 0,
    failures: 0,
  };

  // Exposed for tests and for poking around in the console.
  window.__ragline = state;

  // ---------- small helpers ----------

  function $(sel, root) {
    return (root || document).querySelector(sel);
  }

  /** Builds an element; attributes never include `style` (the page's CSP forbids inline styles). */
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] === undefined || attrs[k] === null || attrs[k] === false) return;
        if (k === 'text') el.textContent = attrs[k];
        else if (k === 'className') el.className = attrs[k];
        else el.setAttribute(k, attrs[k]);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      if (Array.isArray(c))
        c.forEach(function (x) {
          if (x) el.appendChild(x);
        });
      else el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
  }

  function round(n, digits) {
    var f = Math.pow(10, digits);
    return Math.round(n * f) / f;
  }

  function fmtNum(v) {
    if (v === null || v === undefined || isNaN(v)) return '–';
    var a = Math.abs(v);
    if (a >= 1e6) return round(v / 1e6, 1) + 'M';
    if (a >= 1e4) return round(v / 1e3, 1) + 'k';
    if (a >= 100) return String(Math.round(v));
    if (a >= 10) return String(round(v, 1));
    if (a >= 1) return String(round(v, 2));
    if (a === 0) return '0';
    return String(round(v, 3));
  }

  function fmtMs(v) {
    if (v === null || v === undefined || isNaN(v)) return '–';
    if (Math.abs(v) >= 1000) return fmtNum(v / 1000) + ' s';
    return fmtNum(v) + ' ms';
  }

  function fmtBytes(v) {
    if (v === null || v === undefined || isNaN(v)) return '–';
    var units = ['B', 'KB', 'MB', 'GB', 'TB'];
    var i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return fmtNum(v) + ' ' + units[i];
  }

  function fmtPct(v) {
    return v === null || v === undefined || isNaN(v) ? '–' : fmtNum(v) + '%';
  }

  function fmtRate(v) {
    return v === null || v === undefined || isNaN(v) ? '–' : fmtNum(v) + '/s';
  }

  function fmtCount(v) {
    return v === null || v === undefined || isNaN(v) ? '–' : fmtNum(v);
  }

  function clock(ms) {
    var d = new Date(ms);
    return d.toLocaleTimeString([], {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
  }

  async function getJson(path, init) {
    var res = await fetch(
      apiUrl(path),
      Object.assign({ credentials: 'same-origin', cache: 'no-store' }, init || {}),
    );
    var text = await res.text();
    var body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch (e) {
      body = { error: { code: 'bad_response', message: text.slice(0, 200) } };
    }
    if (!res.ok) {
      var err = new Error((body && body.error && body.error.message) || 'HTTP ' + res.status);
      err.status = res.status;
      err.body = body;
      throw err;
    }
    return body;
  }

  // ---------- samples → chart columns ----------

  /** A latency percentile is meaningless with no values in the window: a gap, not a zero. */
  function latency(summary, key) {
    return summary && summary.count > 0 ? summary[key] : null;
  }

  function cacheShare(cache, key) {
    if (!cache) return null;
    var lookups = (cache.l1Hits || 0) + (cache.l2Hits || 0) + (cache.misses || 0);
    return lookups > 0 ? round(cache[key] * 100, 2) : null;
  }

  function unionKeys(samples, pick) {
    var seen = {};
    var out = [];
    samples.forEach(function (s) {
      Object.keys(pick(s) || {}).forEach(function (k) {
        if (!seen[k]) {
          seen[k] = true;
          out.push(k);
        }
      });
    });
    return out.sort();
  }

  function ingestQueueName() {
    return (state.config && state.config.queues && state.config.queues[0]) || 'ingest';
  }

  /** Each chart: its series (label, colour, unit) and how to read one value from a sample. */
  function chartSpecs(samples) {
    var queueNames = unionKeys(samples, function (s) {
      return s.queues;
    });
    var batcherNames = unionKeys(samples, function (s) {
      return s.batchers;
    });
    var ingest = ingestQueueName();
    return {
      latency: {
        unit: 'ms',
        fmt: fmtMs,
        series: [
          {
            label: 'p50',
            stroke: COLORS.p50,
            get: function (s) {
              return latency(s.search, 'p50Ms');
            },
          },
          {
            label: 'p95',
            stroke: COLORS.p95,
            get: function (s) {
              return latency(s.search, 'p95Ms');
            },
          },
          {
            label: 'p99',
            stroke: COLORS.p99,
            get: function (s) {
              return latency(s.search, 'p99Ms');
            },
          },
          {
            label: 'HTTP p95',
            stroke: COLORS.http95,
            dash: [5, 4],
            width: 1.25,
            get: function (s) {
              return latency(s.http, 'p95Ms');
            },
          },
        ],
      },
      throughput: {
        unit: '/s',
        fmt: fmtRate,
        series: [
          {
            label: 'requests',
            stroke: COLORS.requests,
            fill: 'rgba(56,189,248,0.08)',
            get: function (s) {
              return s.http ? s.http.ratePerSec : null;
            },
          },
          {
            label: 'searches',
            stroke: COLORS.searches,
            get: function (s) {
              return s.search ? s.search.ratePerSec : null;
            },
          },
          {
            label: 'ingest jobs',
            stroke: COLORS.ingest,
            get: function (s) {
              var j = s.jobs && s.jobs[ingest];
              return j && j.run ? j.run.ratePerSec : 0;
            },
          },
        ],
      },
      cache: {
        unit: '%',
        fmt: fmtPct,
        range: [0, 100],
        series: [
          {
            label: 'L1 (in-process)',
            stroke: COLORS.l1,
            fill: 'rgba(34,197,94,0.10)',
            get: function (s) {
              return cacheShare(s.cache, 'l1HitRate');
            },
          },
          {
            label: 'L2 (Redis)',
            stroke: COLORS.l2,
            get: function (s) {
              return cacheShare(s.cache, 'l2HitRate');
            },
          },
          {
            label: 'total',
            stroke: COLORS.hit,
            dash: [5, 4],
            width: 1.25,
            get: function (s) {
              return cacheShare(s.cache, 'hitRate');
            },
          },
        ],
      },
      queues: {
        unit: 'jobs',
        fmt: fmtCount,
        integer: true,
        series: [].concat.apply(
          [],
          queueNames.map(function (q, i) {
            var color = QUEUE_COLORS[q] || PALETTE[i % PALETTE.length];
            return [
              {
                label: q + ' waiting',
                stroke: color,
                get: function (s) {
                  return s.queues[q] ? s.queues[q].waiting : null;
                },
              },
              {
                label: q + ' active',
                stroke: color,
                dash: [5, 4],
                width: 1.25,
                get: function (s) {
                  return s.queues[q] ? s.queues[q].active : null;
                },
              },
            ];
          }),
        ),
      },
      batches: {
        unit: 'items',
        fmt: fmtCount,
        integer: true,
        series: batcherNames.map(function (b, i) {
          return {
            label: b,
            stroke: PALETTE[i % PALETTE.length],
            get: function (s) {
              var x = s.batchers[b];
              return x && x.avgBatchSize > 0 ? x.avgBatchSize : null;
            },
          };
        }),
      },
      process: {
        unit: '%',
        fmt: fmtPct,
        series: [
          {
            label: 'CPU',
            stroke: COLORS.cpu,
            fill: 'rgba(56,189,248,0.08)',
            get: function (s) {
              return s.process ? round(s.process.cpuPercent, 1) : null;
            },
          },
          {
            label: 'event-loop p99',
            stroke: COLORS.loop,
            scale: 'ms',
            fmt: fmtMs,
            get: function (s) {
              return s.process ? s.process.eventLoopP99Ms : null;
            },
          },
        ],
        secondary: { scale: 'ms', fmt: fmtMs },
      },
    };
  }

  function columns(spec, samples) {
    var xs = samples.map(function (s) {
      return s.at / 1000;
    });
    var data = [xs];
    spec.series.forEach(function (ser) {
      data.push(
        samples.map(function (s) {
          var v = s.gap ? null : ser.get(s);
          return v === undefined ? null : v;
        }),
      );
    });
    return data;
  }

  // ---------- optimizer markers ----------

  function actionTimes() {
    return state.actions.map(function (a, i) {
      return { t: Date.parse(a.at) / 1000, n: state.actions.length - i, action: a };
    });
  }

  function drawMarkers(u) {
    var marks = actionTimes();
    if (!marks.length) return;
    var ctx = u.ctx;
    var top = u.bbox.top;
    var bottom = u.bbox.top + u.bbox.height;
    var left = u.bbox.left;
    var right = u.bbox.left + u.bbox.width;
    var dpr = window.devicePixelRatio || 1;
    var lastBadge = Infinity;
    ctx.save();
    // Newest first: in a cluster of close actions the newest one gets the badge.
    marks.forEach(function (m) {
      var x = Math.round(u.valToPos(m.t, 'x', true)) + 0.5;
      if (x < left || x > right) return;
      ctx.strokeStyle = COLORS.marker;
      ctx.globalAlpha = 0.85;
      ctx.lineWidth = 1.25 * dpr;
      ctx.setLineDash([4 * dpr, 3 * dpr]);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
      // Badges closer than their width would overlap into a smear: keep the line only.
      if (Math.abs(x - lastBadge) < 16 * dpr) return;
      lastBadge = x;
      ctx.fillStyle = COLORS.marker;
      ctx.beginPath();
      ctx.arc(x, top + 7 * dpr, 7 * dpr, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = '#0e131b';
      ctx.font = 'bold ' + 9 * dpr + 'px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(String(m.n), x, top + 7.5 * dpr);
    });
    ctx.restore();
  }

  function markerTip(u) {
    var tip = $('#marker-tip');
    // Cursors are synced across charts: only the chart under the mouse shows the tip.
    if (state.hover !== u) return;
    var left = u.cursor.left;
    if (left === undefined || left === null || left < 0) {
      tip.hidden = true;
      return;
    }
    var hit = null;
    actionTimes().forEach(function (m) {
      var x = u.valToPos(m.t, 'x');
      if (Math.abs(x - left) <= 6) hit = m;
    });
    if (!hit) {
      tip.hidden = true;
      return;
    }
    clear(tip);
    tip.appendChild(
      h(
        'div',
        null,
        h('b', { text: '#' + hit.n + ' ' + hit.action.rule }),
        ' · ' + clock(Date.parse(hit.action.at)),
      ),
    );
    tip.appendChild(h('div', { className: 'action-change', text: hit.action.change }));
    tip.appendChild(h('div', { className: 'action-reason', text: hit.action.reason }));
    var rect = u.over.getBoundingClientRect();
    tip.hidden = false;
    var x = rect.left + left + 14;
    if (x + 360 > window.innerWidth) x = rect.left + left - 374;
    tip.style.left = Math.max(8, x) + 'px';
    tip.style.top = rect.top + 8 + 'px';
  }

  // ---------- charts ----------

  function axisValues(fmt) {
    return function (u, splits) {
      return splits.map(function (v) {
        return v === null ? '' : fmt(v);
      });
    };
  }

  function chartSize(el) {
    return { width: Math.max(280, Math.floor(el.clientWidth)), height: 220 };
  }

  function buildChart(name, spec, data) {
    var card = document.querySelector('[data-chart="' + name + '"]');
    var el = card.querySelector('.chart');
    clear(el);
    var size = chartSize(el);
    var scales = {
      x: { time: true, range: xRange },
      y: {
        range: spec.range
          ? function () {
              return spec.range;
            }
          : function (u, min, max) {
              return [0, max > 0 ? max * 1.15 : 1];
            },
      },
    };
    var axes = [
      {
        stroke: COLORS.axis,
        grid: { stroke: COLORS.grid, width: 1 },
        ticks: { stroke: COLORS.grid, width: 1 },
        values: timeTicks,
        space: 70,
      },
      {
        stroke: COLORS.axis,
        grid: { stroke: COLORS.grid, width: 1 },
        ticks: { show: false },
        size: 62,
        values: axisValues(spec.fmt),
        incrs: spec.integer ? INTEGER_INCRS : undefined,
      },
    ];
    if (spec.secondary) {
      scales[spec.secondary.scale] = {
        range: function (u, min, max) {
          return [0, max > 0 ? max * 1.15 : 1];
        },
      };
      axes.push({
        scale: spec.secondary.scale,
        side: 1,
        stroke: COLORS.axis,
        grid: { show: false },
        ticks: { show: false },
        size: 62,
        values: axisValues(spec.secondary.fmt),
      });
    }
    var opts = {
      width: size.width,
      height: size.height,
      scales: scales,
      axes: axes,
      cursor: { sync: { key: 'ragline' }, points: { size: 6 } },
      legend: { live: true },
      series: [
        {
          label: 'time',
          value: legendValue(function (v) {
            return clock(v * 1000);
          }),
        },
      ].concat(
        spec.series.map(function (s) {
          var fmt = s.fmt || spec.fmt;
          return {
            label: s.label,
            stroke: s.stroke,
            fill: s.fill,
            width: s.width || 2,
            dash: s.dash,
            scale: s.scale || 'y',
            spanGaps: false,
            points: { show: false },
            value: legendValue(fmt),
          };
        }),
      ),
      hooks: { draw: [drawMarkers], setCursor: [markerTip] },
    };
    var chart = new window.uPlot(opts, data, el);
    chart.__name = name;
    chart.over.addEventListener('mouseenter', function () {
      state.hover = chart;
    });
    chart.over.addEventListener('mouseleave', function () {
      if (state.hover === chart) state.hover = null;
      $('#marker-tip').hidden = true;
    });
    return chart;
  }

  /** The chosen range, or less while the history is shorter (so a new server fills the width). */
  function xRange() {
    var now = Date.now() / 1000;
    if (!state.samples.length) return [now - 60, now];
    var first = state.samples[0].at / 1000;
    var end = state.samples[state.samples.length - 1].at / 1000;
    var minSpan = Math.max(10, (12 * (state.config ? state.config.refreshMs : 5000)) / 1000);
    var start = Math.max(end - state.rangeSec, Math.min(first, end - minSpan));
    return [start, end];
  }

  function timeTicks(u, splits) {
    var span = u.scales.x.max - u.scales.x.min;
    return splits.map(function (t) {
      var d = new Date(t * 1000);
      var opts =
        span > 600
          ? { hour: '2-digit', minute: '2-digit', hour12: false }
          : { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false };
      return d.toLocaleTimeString([], opts);
    });
  }

  /** The legend shows the value under the cursor, or the latest value when the cursor is away. */
  function legendValue(fmt) {
    return function (u, v, si, idx) {
      if (idx === null || idx === undefined) {
        var col = u.data[si] || [];
        v = null;
        for (var i = col.length - 1; i >= 0; i--) {
          if (col[i] !== null && col[i] !== undefined) {
            v = col[i];
            break;
          }
        }
      }
      return v === null || v === undefined ? '–' : fmt(v);
    };
  }

  function renderCharts() {
    var samples = state.samples;
    var specs = chartSpecs(samples);
    Object.keys(specs).forEach(function (name) {
      var spec = specs[name];
      var key = spec.series
        .map(function (s) {
          return s.label;
        })
        .join('|');
      var data = columns(spec, samples);
      var chart = state.charts[name];
      if (!chart || state.chartKeys[name] !== key) {
        if (chart) chart.destroy();
        state.charts[name] = buildChart(name, spec, data);
        state.chartKeys[name] = key;
      } else {
        chart.setData(data);
      }
    });
  }

  function resizeCharts() {
    Object.keys(state.charts).forEach(function (name) {
      var chart = state.charts[name];
      var el = document.querySelector('[data-chart="' + name + '"] .chart');
      var size = chartSize(el);
      if (size.width !== chart.width) chart.setSize(size);
    });
  }

  // ---------- header, KPIs, tables ----------

  function setStatus(kind, text) {
    var el = $('#status');
    el.className = 'status status-' + kind;
    $('#status-text').textContent = text;
  }

  function kpi(name, value, unit, sub, level) {
    var el = document.querySelector('[data-kpi="' + name + '"]');
    var v = el.querySelector('.kpi-value');
    clear(v);
    v.appendChild(document.createTextNode(value));
    if (unit) v.appendChild(h('span', { className: 'unit', text: unit }));
    el.querySelector('.kpi-sub').textContent = sub || '';
    el.classList.toggle('warn', level === 'warn');
    el.classList.toggle('bad', level === 'bad');
  }

  function splitUnit(text) {
    var m = /^(.*?)\s*(ms|s|%|\/s|B|KB|MB|GB|TB)$/.exec(text);
    return m ? [m[1], m[2]] : [text, ''];
  }

  function renderHeader(report) {
    if (report.status === 'healthy') setStatus('healthy', 'healthy');
    else setStatus('degraded', 'degraded');
    var reasons = $('#reasons');
    if (report.reasons && report.reasons.length) {
      reasons.hidden = false;
      reasons.textContent = 'Degraded: ' + report.reasons.join(' · ');
    } else {
      reasons.hidden = true;
    }
    var meta = $('#meta');
    clear(meta);
    meta.appendChild(document.createTextNode('sampled '));
    meta.appendChild(h('b', { text: clock(Date.parse(report.sampledAt)) }));
    meta.appendChild(document.createTextNode(' · window '));
    meta.appendChild(h('b', { text: report.window.seconds + ' s' }));
    meta.appendChild(document.createTextNode(' · every '));
    meta.appendChild(h('b', { text: round(state.config.refreshMs / 1000, 1) + ' s' }));
    meta.appendChild(document.createTextNode(' · auth '));
    meta.appendChild(h('b', { text: state.config.auth === 'key' ? 'API key' : 'open (loopback)' }));
  }

  function renderKpis(report) {
    var s = report.latency.search;
    var p95 = s.count > 0 ? splitUnit(fmtMs(s.p95Ms)) : ['–', ''];
    kpi(
      'searchP95',
      p95[0],
      p95[1],
      s.count > 0
        ? 'p50 ' + fmtMs(s.p50Ms) + ' · p99 ' + fmtMs(s.p99Ms) + ' · n=' + s.count
        : 'no searches in window',
    );
    kpi(
      'rps',
      fmtNum(report.throughput.requestsPerSec),
      '/s',
      fmtNum(report.throughput.searchesPerSec) +
        ' searches/s · ' +
        fmtNum(report.throughput.ingestJobsPerSec) +
        ' ingest/s',
    );
    var c = report.cache;
    kpi(
      'hitRate',
      fmtNum(c.hitRate * 100),
      '%',
      'L1 ' + fmtPct(c.l1HitRate * 100) + ' · L2 ' + fmtPct(c.l2HitRate * 100),
    );
    var ingest = report.queues[ingestQueueName()] || {
      waiting: 0,
      active: 0,
      delayed: 0,
      failed: 0,
    };
    kpi(
      'backlog',
      fmtCount(ingest.waiting + ingest.delayed),
      'jobs',
      ingest.active + ' active · ' + ingest.delayed + ' delayed',
    );
    var failed = 0;
    var parts = [];
    Object.keys(report.queues).forEach(function (q) {
      failed += report.queues[q].failed;
      parts.push(q + ' ' + report.queues[q].failed);
    });
    kpi('failed', fmtCount(failed), '', parts.join(' · '), failed > 0 ? 'bad' : null);
    var p = report.process;
    var cpu = splitUnit(fmtPct(p.cpuPercent));
    kpi(
      'process',
      cpu[0],
      '% CPU',
      'RSS ' + fmtBytes(p.rssBytes) + ' · loop p99 ' + fmtMs(p.eventLoopP99Ms),
      p.eventLoopP99Ms > 100 ? 'warn' : null,
    );
  }

  function renderTables(report) {
    var rows = $('#queue-rows');
    clear(rows);
    Object.keys(report.queues)
      .sort()
      .forEach(function (q) {
        var c = report.queues[q];
        var link = h('a', {
          href: state.config.bullBoard + '/queue/' + encodeURIComponent(q),
          text: q,
        });
        rows.appendChild(
          h(
            'tr',
            null,
            h('td', null, link),
            h('td', { text: fmtCount(c.waiting) }),
            h('td', { text: fmtCount(c.active) }),
            h('td', { text: fmtCount(c.delayed) }),
            h('td', {
              text: fmtCount(c.failed),
              className: c.failed > 0 ? 'failed-nonzero' : null,
            }),
          ),
        );
      });
    var brows = $('#batcher-rows');
    clear(brows);
    var names = Object.keys(report.batching).sort();
    if (!names.length) {
      brows.appendChild(
        h('tr', null, h('td', { colspan: '5', className: 'empty', text: 'No batches yet.' })),
      );
    }
    names.forEach(function (b) {
      var x = report.batching[b];
      brows.appendChild(
        h(
          'tr',
          null,
          h('td', { text: b }),
          h('td', { text: fmtCount(x.target) }),
          h('td', { text: fmtNum(x.avgBatchSize) }),
          h('td', { text: fmtMs(x.p95Ms) }),
          h('td', { text: fmtNum(x.itemsPerSec) }),
        ),
      );
    });
  }

  function renderActions(report) {
    var box = $('#actions');
    clear(box);
    if (!state.actions.length) {
      box.appendChild(h('p', { className: 'empty', text: 'No optimizer actions yet.' }));
    }
    state.actions.forEach(function (a, i) {
      var n = state.actions.length - i;
      box.appendChild(
        h(
          'div',
          { className: 'action' },
          h('span', { className: 'action-num', text: String(n) }),
          h('span', { className: 'action-time', text: clock(Date.parse(a.at)) }),
          h(
            'div',
            null,
            h(
              'div',
              { className: 'action-change' },
              h('span', { className: 'action-rule', text: a.rule }),
              a.change,
            ),
            h('div', {
              className: 'action-reason',
              text: a.reason + (a.source === 'fleet' ? ' (from ' + a.origin + ')' : ''),
            }),
          ),
        ),
      );
    });
    var t = $('#tunables');
    clear(t);
    var names = Object.keys(report.tunables || {}).sort();
    if (!names.length)
      t.appendChild(h('p', { className: 'empty', text: 'No tunables registered.' }));
    names.forEach(function (k) {
      t.appendChild(
        h(
          'span',
          { className: 'tunable' },
          h('span', { text: k + ' ' }),
          fmtNum(report.tunables[k]),
        ),
      );
    });
  }

  // ---------- polling ----------

  function mergeSamples(incoming) {
    if (!incoming || !incoming.length) return;
    var last = state.samples.length ? state.samples[state.samples.length - 1].at : -Infinity;
    var fresh = incoming.filter(function (s) {
      return s.at > last;
    });
    var every = state.config ? state.config.refreshMs : 5000;
    if (fresh.length && last > -Infinity && fresh[0].at - last > 3 * every) {
      // Samples are missing (the tab slept, the server restarted): break the lines there.
      state.samples.push({ at: last + every, gap: true });
    }
    Array.prototype.push.apply(state.samples, fresh);
    if (state.samples.length > MAX_KEPT) state.samples.splice(0, state.samples.length - MAX_KEPT);
  }

  /** How many samples to ask for: enough to cover the time since the last one we hold. */
  function historyToFetch() {
    if (!state.samples.length) return FULL_HISTORY;
    var last = state.samples[state.samples.length - 1].at;
    var missed = Math.ceil((Date.now() - last) / Math.max(200, state.config.refreshMs));
    return Math.min(FULL_HISTORY, Math.max(3, missed + 2));
  }

  async function poll() {
    try {
      var report = await getJson('/performance?history=' + historyToFetch());
      state.report = report;
      state.actions = report.actions || [];
      mergeSamples(report.history);
      state.lastOk = Date.now();
      state.failures = 0;
      $('#error').hidden = true;
      renderHeader(report);
      renderKpis(report);
      renderCharts();
      renderTables(report);
      renderActions(report);
    } catch (err) {
      state.failures++;
      var box = $('#error');
      box.hidden = false;
      if (err.status === 401 || err.status === 403) {
        box.textContent =
          'Not authorised (' + err.status + '): reload the page and sign in with an admin key.';
      } else {
        box.textContent =
          'Cannot reach the server: ' +
          err.message +
          (state.lastOk ? ' (last update ' + clock(state.lastOk) + ')' : '');
      }
      setStatus('down', 'unreachable');
    }
  }

  function schedule() {
    clearTimeout(state.timer);
    var every = Math.max(1000, state.config ? state.config.refreshMs : 5000);
    var delay = state.failures ? Math.min(30000, every * Math.pow(2, state.failures)) : every;
    state.timer = setTimeout(async function () {
      if (!state.paused && !document.hidden) await poll();
      schedule();
    }, delay);
  }

  // ---------- try it ----------

  async function loadCollections() {
    var select = $('#search-collection');
    try {
      var body = await getJson('/collections');
      var list = (body && body.collections) || [];
      var current = select.value;
      clear(select);
      if (!list.length) select.appendChild(h('option', { value: '', text: 'no collections' }));
      list.forEach(function (c) {
        var label = c.name + (c.documents !== undefined ? ' (' + c.documents + ' docs)' : '');
        select.appendChild(h('option', { value: c.name, text: label }));
      });
      if (
        current &&
        list.some(function (c) {
          return c.name === current;
        })
      )
        select.value = current;
    } catch (err) {
      clear(select);
      select.appendChild(h('option', { value: '', text: 'cannot list: ' + err.message }));
    }
  }

  function highlight(text, query) {
    var words = query
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter(function (w) {
        return w.length > 2;
      });
    var frag = document.createDocumentFragment();
    if (!words.length) {
      frag.appendChild(document.createTextNode(text));
      return frag;
    }
    var re = new RegExp(
      '(' +
        words
          .map(function (w) {
            return w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          })
          .join('|') +
        ')',
      'giu',
    );
    var last = 0;
    text.replace(re, function (m, _g, offset) {
      frag.appendChild(document.createTextNode(text.slice(last, offset)));
      frag.appendChild(h('mark', { text: m }));
      last = offset + m.length;
      return m;
    });
    frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }

  function renderTook(body, clientMs) {
    var took = body.took || {};
    var total = took.totalMs || 0;
    var parts = [
      ['queue', took.queueMs],
      ['embed', took.embedMs],
      ['store', took.storeMs],
    ].filter(function (p) {
      return typeof p[1] === 'number';
    });
    var known = parts.reduce(function (a, p) {
      return a + p[1];
    }, 0);
    if (total > known) parts.push(['other', total - known]);
    var bar = h('div', { className: 'took-bar', title: 'time breakdown' });
    var legend = h('div', { className: 'took-legend' });
    parts.forEach(function (p) {
      var seg = h('span', { className: 'seg-' + p[0] });
      seg.style.width = (total > 0 ? (100 * p[1]) / Math.max(total, known) : 0) + '%';
      bar.appendChild(seg);
      legend.appendChild(
        h('span', null, h('i', { className: 'seg-' + p[0] }), p[0] + ' ' + fmtMs(p[1])),
      );
    });
    return h(
      'div',
      { className: 'took' },
      h('span', {
        className: 'tier tier-' + body.cache,
        text: body.cache === 'miss' ? 'cache miss' : body.cache + ' hit',
      }),
      h('span', { className: 'took-total', text: fmtMs(total) }),
      bar,
      legend,
      h('span', {
        className: 'took-legend',
        text: 'round trip ' + fmtMs(clientMs) + ' · version ' + body.version,
      }),
    );
  }

  function renderHits(body, query) {
    if (!body.hits.length) return h('p', { className: 'empty', text: 'No hits.' });
    var maxScore =
      body.hits.reduce(function (a, x) {
        return Math.max(a, x.score);
      }, 0) || 1;
    var list = h('ol', { className: 'hits' });
    body.hits.forEach(function (hit) {
      var fill = h('span');
      fill.style.width = Math.max(2, (100 * hit.score) / maxScore) + '%';
      var snippet = hit.text.length > 420 ? hit.text.slice(0, 420) + '…' : hit.text;
      list.appendChild(
        h(
          'li',
          null,
          h(
            'div',
            null,
            h(
              'div',
              { className: 'hit-doc' },
              hit.documentId,
              h('span', { text: ' #' + hit.chunkIndex }),
            ),
            h('div', { className: 'hit-text' }, highlight(snippet, query)),
          ),
          h(
            'div',
            { className: 'hit-score' },
            h('div', { text: hit.score.toFixed(4) }),
            h('div', { className: 'score-bar' }, fill),
          ),
        ),
      );
    });
    return list;
  }

  async function runSearch(ev) {
    ev.preventDefault();
    var out = $('#search-result');
    var name = $('#search-collection').value;
    var query = $('#search-query').value.trim();
    if (!name || !query) return;
    var payload = { query: query, limit: Number($('#search-limit').value) || 5 };
    var mode = $('#search-mode').value;
    if (mode) payload.mode = mode;
    var button = $('#search-run');
    button.disabled = true;
    clear(out);
    out.appendChild(h('p', { className: 'empty', text: 'Searching…' }));
    var t0 = performance.now();
    try {
      var body = await getJson('/collections/' + encodeURIComponent(name) + '/search', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      var clientMs = performance.now() - t0;
      clear(out);
      out.appendChild(renderTook(body, clientMs));
      out.appendChild(renderHits(body, query));
      state.lastSearch = body;
    } catch (err) {
      clear(out);
      out.appendChild(
        h('p', {
          className: 'search-error',
          text: 'Search failed (' + (err.status || 'network') + '): ' + err.message,
        }),
      );
    } finally {
      button.disabled = false;
    }
  }

  // ---------- wiring ----------

  function wire() {
    document.querySelectorAll('.range button').forEach(function (b) {
      b.addEventListener('click', function () {
        document.querySelectorAll('.range button').forEach(function (x) {
          x.classList.remove('active');
        });
        b.classList.add('active');
        state.rangeSec = Number(b.getAttribute('data-range'));
        renderCharts();
        Object.keys(state.charts).forEach(function (n) {
          state.charts[n].redraw(true, true);
        });
      });
    });
    $('#pause').addEventListener('click', function () {
      state.paused = !state.paused;
      this.setAttribute('aria-pressed', String(state.paused));
      this.textContent = state.paused ? 'Resume' : 'Pause';
    });
    $('#search-form').addEventListener('submit', runSearch);
    $('#search-collection').addEventListener('focus', loadCollections);
    var pending = null;
    window.addEventListener('resize', function () {
      clearTimeout(pending);
      pending = setTimeout(resizeCharts, 100);
    });
    document.addEventListener('visibilitychange', function () {
      if (!document.hidden && !state.paused) poll();
    });
  }

  async function start() {
    wire();
    try {
      state.config = await getJson('/config');
    } catch (err) {
      state.config = {
        refreshMs: 5000,
        windowSeconds: 60,
        auth: 'open',
        queues: ['ingest', 'search', 'reembed', 'tune'],
        bullBoard: '/admin/queues',
      };
    }
    await poll();
    state.ready = true;
    schedule();
    loadCollections();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
