// The dashboard: reads GET /v1/stats (bearer token) and draws take rate by
// placement, rule and variant over time, attributed revenue, and AOV with
// and without accepted suggestions per A/B variant, with Chart.js (vendored,
// loaded by dashboard.html only). Every chart has a table beside it.

const TOKEN = 'xsell:stats-token';
const COLORS = ['#0b6bcb', '#e07a1f', '#1d7a3e', '#a23b72', '#5b6470', '#c9a227', '#3a86a8', '#7b4fc9'];

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null) e.setAttribute(k, String(v));
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

const pct = (x) => `${(100 * (Number(x) || 0)).toFixed(1)}%`;
const num = (x, d = 2) => (Number(x) || 0).toLocaleString(undefined, { minimumFractionDigits: d, maximumFractionDigits: d });

/** fetchStats asks the edge; errors name the HTTP status and the edge's message. */
export async function fetchStats(endpoint, token) {
  const res = await fetch(`${endpoint}/v1/stats`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, cache: 'no-store' });
  const text = await res.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: reported below
  }
  if (!res.ok) throw new Error(`GET /v1/stats: HTTP ${res.status}${body?.error?.message ? `: ${body.error.message}` : ''}`);
  if (!body || typeof body !== 'object') throw new Error('GET /v1/stats: the answer is not JSON');
  return body;
}

// series turns per-day rows into one take-rate line per key (placement,
// rule or variant); without rows it falls back to the by_day totals.
export function series(stats, by) {
  const days = [...new Set((stats.by_day || []).map((f) => f.key))].sort();
  if (!by || !Array.isArray(stats.rows)) {
    return { days, lines: [{ key: 'all', values: days.map((d) => (stats.by_day.find((f) => f.key === d) || {}).take_rate ?? 0) }] };
  }
  const acc = new Map();
  for (const r of stats.rows) {
    const k = r[by] || '(none)';
    if (!acc.has(k)) acc.set(k, new Map());
    const m = acc.get(k);
    const a = m.get(r.day) || { i: 0, a: 0 };
    a.i += r.impressions;
    a.a += r.adds;
    m.set(r.day, a);
  }
  const lines = [...acc.entries()].sort().map(([key, m]) => ({ key, values: days.map((d) => (m.get(d)?.i ? m.get(d).a / m.get(d).i : null)) }));
  return { days, lines };
}

const charts = {};
function draw(name, config) {
  charts[name]?.destroy();
  const canvas = document.querySelector(`canvas[data-chart="${name}"]`);
  charts[name] = new globalThis.Chart(canvas, { ...config, options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options } });
}

function rateBars(name, funnels) {
  draw(name, {
    type: 'bar',
    data: {
      labels: funnels.map((f) => f.key || '(none)'),
      datasets: [
        { label: 'take rate (adds / impressions)', data: funnels.map((f) => f.take_rate), backgroundColor: COLORS[0] },
        { label: 'click rate', data: funnels.map((f) => f.click_rate), backgroundColor: COLORS[1] },
      ],
    },
    options: { scales: { y: { beginAtZero: true, ticks: { callback: (v) => pct(v) } } }, plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${pct(c.raw)}` } } } },
  });
}

function table(head, rows) {
  return el('table', { class: 'data' }, el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))), el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, c))))));
}

export function render(stats) {
  const t = stats.totals || {};
  const kpis = [
    ['Events', (stats.events || 0).toLocaleString()],
    ['Impressions', (t.impressions || 0).toLocaleString()],
    ['Clicks', (t.clicks || 0).toLocaleString()],
    ['Adds', (t.adds || 0).toLocaleString()],
    ['Purchases', (t.purchases || 0).toLocaleString()],
    ['Dismissals', (t.dismissals || 0).toLocaleString()],
    ['Take rate', pct(t.take_rate)],
    ['Attributed revenue', num(t.attributed_revenue)],
  ];
  document.querySelector('[data-kpis]').replaceChildren(...kpis.map(([k, v]) => el('div', { class: 'kpi', 'data-kpi': k }, el('b', {}, v), el('span', {}, k))));

  const by = document.querySelector('[data-series]').value;
  const s = series(stats, by);
  draw('time', {
    type: 'line',
    data: { labels: s.days, datasets: s.lines.map((l, i) => ({ label: l.key, data: l.values, borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length], spanGaps: true, tension: 0.2 })) },
    options: { scales: { y: { beginAtZero: true, ticks: { callback: (v) => pct(v) } } } },
  });
  rateBars('placement', stats.by_placement || []);
  rateBars('rule', stats.by_rule || []);
  rateBars('variant', stats.by_variant || []);
  const rules = stats.by_rule || [];
  draw('revenue', {
    type: 'bar',
    data: { labels: rules.map((f) => f.key || '(none)'), datasets: [{ label: 'attributed revenue', data: rules.map((f) => f.attributed_revenue), backgroundColor: COLORS[2] }] },
    options: { indexAxis: 'y', plugins: { legend: { display: false } } },
  });
  const orders = stats.orders || [];
  draw('aov', {
    type: 'bar',
    data: {
      labels: orders.map((o) => o.variant || '(no experiment)'),
      datasets: [
        { label: 'AOV with accepted suggestions', data: orders.map((o) => o.with_suggestions?.aov ?? 0), backgroundColor: COLORS[0] },
        { label: 'AOV without', data: orders.map((o) => o.without_suggestions?.aov ?? 0), backgroundColor: COLORS[4] },
      ],
    },
    options: { scales: { y: { beginAtZero: true } } },
  });
  document.querySelector('[data-orders]').replaceChildren(
    table(
      ['Variant', 'Orders with', 'AOV with', 'Items/order with', 'Orders without', 'AOV without', 'Items/order without', 'AOV lift', 'p (AOV)'],
      orders.map((o) => [
        o.variant || '(no experiment)',
        o.with_suggestions?.orders ?? 0,
        num(o.with_suggestions?.aov),
        num(o.with_suggestions?.items_per_order),
        o.without_suggestions?.orders ?? 0,
        num(o.without_suggestions?.aov),
        num(o.without_suggestions?.items_per_order),
        pct(o.aov_lift),
        o.p_value < 0 ? 'n/a (too few orders)' : `${num(o.p_value, 3)}${o.significant ? ' ✓' : ''}`,
      ]),
    ),
  );
  document.querySelector('[data-rules]').replaceChildren(
    table(
      ['Rule', 'Impressions', 'Clicks', 'Adds', 'Purchases', 'Dismissals', 'Take rate', 'Revenue'],
      rules.map((f) => [f.key || '(none)', f.impressions, f.clicks, f.adds, f.purchases, f.dismissals, pct(f.take_rate), num(f.attributed_revenue)]),
    ),
  );
}

export function start() {
  const form = document.querySelector('[data-token-form]');
  const status = document.querySelector('[data-status]');
  const params = new URLSearchParams(location.search);
  const endpoint = params.get('endpoint') || '';
  const token = params.get('token') || sessionStorage.getItem(TOKEN) || '';
  form.token.value = token;
  let last = null;
  const load = async () => {
    status.textContent = 'Loading…';
    try {
      last = await fetchStats(endpoint, form.token.value);
      sessionStorage.setItem(TOKEN, form.token.value);
      if (!globalThis.Chart) throw new Error('the chart library did not load');
      render(last);
      status.textContent = `Updated ${new Date().toLocaleTimeString()}`;
      document.documentElement.dataset.dashboard = 'ready';
    } catch (e) {
      status.textContent = String(e.message || e);
      document.documentElement.dataset.dashboard = 'error';
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  document.querySelector('[data-series]').addEventListener('change', () => last && render(last));
  if (token) addEventListener('load', load);
}
