// kisrt dashboard page: applies the server's coalesced panel events (server-sent events on /events) to the panels.
// Memory is bounded here too: chart lines keep at most MAX_POINTS points (a trading day of one-second points),
// feeds keep their server-given capacity of rows.
'use strict';
(() => {
  const MAX_POINTS = 25200;
  const $ = (sel, root = document) => root.querySelector(sel);
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
  const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });
  const two = n => String(n).padStart(2, '0');
  const clock = s => `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`; // x: seconds of the market day
  const stats = { events: {}, lastEvent: {} }; // read by the browser tests
  window.kisrtDashboard = stats;

  // ---- charts: one small uPlot per line (index levels and KRW flows have different scales)
  class ChartPanel {
    constructor(name) { this.name = name; this.section = $(`#panel-${name}`); this.lines = new Map(); this.points = 0; }
    apply(msg) {
      for (const line of msg.lines) this.applyLine(line, msg.statNames);
      this.points = [...this.lines.values()].reduce((n, l) => n + l.xs.length, 0);
      this.section.dataset.points = this.points;
    }
    applyLine(line, statNames) {
      const s = line.series;
      let chart = this.lines.get(s.id);
      if (!chart) chart = this.create(s.id, s.label);
      if (s.reset) { chart.xs.length = 0; chart.ys.length = 0; }
      for (let i = 0; i < s.x.length; i++) {
        const x = s.x[i], n = chart.xs.length;
        if (n > 0 && x === chart.xs[n - 1]) chart.ys[n - 1] = s.y[i];        // the last second, updated
        else if (n === 0 || x > chart.xs[n - 1]) { chart.xs.push(x); chart.ys.push(s.y[i]); }
      }
      if (chart.xs.length > MAX_POINTS) { const cut = chart.xs.length - MAX_POINTS; chart.xs.splice(0, cut); chart.ys.splice(0, cut); }
      chart.plot.setData([chart.xs, chart.ys]);
      chart.stats.textContent = `${line.time}  ` + statNames.map((n, i) => `${n} ${fmt.format(line.stats[i])}`).join('  ·  ');
    }
    create(id, label) {
      const box = el('div', 'chart');
      box.dataset.series = id;
      box.append(el('h4', null, label));
      const statsLine = el('div', 'stats');
      box.append(statsLine);
      $('.charts', this.section).append(box);
      const width = Math.max(360, (box.clientWidth || 600) - 4);
      const opts = {
        width, height: 220, legend: { show: false }, cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false } },
        axes: [
          { stroke: '#8796a8', grid: { stroke: '#243244' }, space: 70, incrs: [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600], values: (u, ticks) => ticks.map(clock) },
          { stroke: '#8796a8', grid: { stroke: '#243244' }, size: 64, values: (u, ticks) => ticks.map(v => compact.format(v)) },
        ],
        series: [{}, { label, stroke: this.name === 'index' ? '#e9c46a' : '#2a9d8f', width: 1.5, points: { show: false } }],
      };
      const xs = [], ys = [];
      const plot = new uPlot(opts, [xs, ys], box);
      const chart = { xs, ys, plot, stats: statsLine, box };
      new ResizeObserver(() => { const w = box.clientWidth - 4; if (w > 100 && Math.abs(w - plot.width) > 4) plot.setSize({ width: w, height: 220 }); }).observe(box);
      this.lines.set(id, chart);
      return chart;
    }
  }
  const charts = { index: new ChartPanel('index'), program: new ChartPanel('program') };

  // ---- feeds: newest first on the page, at most `capacity` rows
  function applyFeed(name, msg, render) {
    const body = $(`#panel-${name} tbody`);
    const fresh = document.createDocumentFragment();
    for (let i = msg.rows.length - 1; i >= 0; i--) fresh.append(render(msg.rows[i])); // newest first
    if (msg.snapshot || msg.rows.length >= msg.capacity) body.replaceChildren(fresh);
    else {
      body.prepend(fresh);
      while (body.rows.length > msg.capacity) body.lastElementChild.remove();
    }
    $(`#panel-${name}`).dataset.total = msg.total;
    return body;
  }
  function cells(tr, values, classes) { values.forEach((v, i) => tr.append(el('td', classes?.[i] ?? '', v))); return tr; }

  function applyNotices(msg) {
    applyFeed('notices', msg, r => {
      const tr = el('tr');
      tr.append(el('td', '', r[0]));
      const kind = el('td'); kind.append(el('span', `kind ${r[1]}`, r[1])); tr.append(kind);
      return cells(tr, [r[2], r[3], r[4], r[5], r[6]], [r[2], '', 'num', 'num', '']);
    });
    const counts = $('#panel-notices .counts');
    counts.textContent = '';
    for (const [kind, n] of Object.entries(msg.counts)) { const s = el('span'); s.append(el('span', `kind ${kind}`, kind), ` ${fmt.format(n)}`); counts.append(s); }
  }

  function applyTape(msg) {
    applyFeed('tape', msg, r => {
      const tr = el('tr', r[6]);
      return cells(tr, r, ['', '', 'num', r[3].startsWith('-') ? 'num down' : 'num up', 'num', 'num', '', 'num']);
    });
  }

  // ---- book ladder: asks (10 → 1) over bids (1 → 10), bars scaled to the largest quantity shown
  const books = new Map();
  const bookSelect = $('#book-select');
  bookSelect.addEventListener('change', renderBook);
  function applyBook(msg) {
    for (const b of msg.books) {
      if (!books.has(b.id)) { const o = el('option', null, `${b.code} (${b.tr})`); o.value = b.id; bookSelect.append(o); }
      books.set(b.id, b);
    }
    renderBook();
  }
  function renderBook() {
    const b = books.get(bookSelect.value);
    const body = $('#panel-book tbody');
    body.textContent = '';
    if (!b) return;
    const max = Math.max(1, ...b.asks.map(l => l[1]), ...b.bids.map(l => l[1]));
    const qtyCell = (cls, q) => { const td = el('td', cls); const bar = el('span', 'bar'); bar.style.width = `${(q / max) * 100}%`; td.append(bar, document.createTextNode(fmt.format(q))); return td; };
    for (let i = b.asks.length - 1; i >= 0; i--) { const tr = el('tr', 'ask'); tr.append(qtyCell('askq', b.asks[i][1]), el('td', 'price', fmt.format(b.asks[i][0])), el('td')); body.append(tr); }
    for (let i = 0; i < b.bids.length; i++) { const tr = el('tr', 'bid'); tr.append(el('td'), el('td', 'price', fmt.format(b.bids[i][0])), qtyCell('bidq', b.bids[i][1])); body.append(tr); }
    $('#panel-book .book-totals').textContent = `${b.time}  total ask ${fmt.format(b.totalAsk)}  ·  total bid ${fmt.format(b.totalBid)}`;
    $('#panel-book').dataset.levels = b.asks.length + b.bids.length;
  }

  // ---- health
  function applyHealth(msg) {
    const state = $('#state');
    state.textContent = msg.state;
    state.className = `badge ${msg.state}`;
    const c = msg.counters, l = msg.latency, p = msg.process;
    const figures = [
      ['state', `${msg.state} (sessions: ${msg.sessions.join(', ')})`, false],
      ['records/s', fmt.format(c.recordsPerSecond), false],
      ['records', fmt.format(c.records), false],
      ['delivered', fmt.format(c.delivered), false],
      ['reconnects', fmt.format(c.reconnects), c.reconnects > 0],
      ['dropped', fmt.format(c.dropped), c.dropped > 0],
      ['unrouted', fmt.format(c.unrouted) + (Object.keys(msg.unroutedByTr).length ? ` (${Object.entries(msg.unroutedByTr).map(([t, n]) => `${t} ${n}`).join(', ')})` : ''), c.unrouted > 0],
      ['decode errors', fmt.format(c.decodeErrors), c.decodeErrors > 0],
      ['latency p50', l.p50Ms === undefined ? '–' : `${l.p50Ms} ms`, false],
      ['latency p99', l.p99Ms === undefined ? '–' : `${l.p99Ms} ms`, false],
      ['process CPU', `${p.cpuPercent} % of a core`, false],
      ['memory', `${p.workingSetMb} MB (GC heap ${p.gcHeapMb} MB)`, false],
      ['registrations', fmt.format(c.registrations), false],
      ['slow consumers', fmt.format(c.slowConsumers), c.slowConsumers > 0],
      ['resubscribe refusals', fmt.format(c.resubscribeRefusals), c.resubscribeRefusals > 0],
      ['PINGPONGs', fmt.format(c.heartbeats), false],
    ];
    const dl = $('#panel-health .figures');
    dl.textContent = '';
    for (const [name, value, alert] of figures) {
      const dt = el('dt', null, name), dd = el('dd', alert ? 'alert' : '', value);
      dd.dataset.figure = name;
      dl.append(dt, dd);
    }
    const body = $('#panel-health .history tbody');
    body.textContent = '';
    for (const row of [...msg.history].reverse()) body.append(cells(el('tr'), row));
  }

  // ---- subscriptions: the list, and each panel's line for subscriptions that are not live (pending, refused …)
  function applySubscriptions(msg) {
    const body = $('#panel-subscriptions tbody');
    body.textContent = '';
    const notLive = {};
    for (const s of msg.subscriptions) {
      const tr = el('tr', s.state);
      tr.dataset.spec = s.spec;
      cells(tr, [s.spec, s.name, s.panel, s.state, fmt.format(s.records), s.message || s.latest || ''], ['', '', '', s.state, 'num', '']);
      const td = el('td'); const remove = el('button', null, 'remove');
      remove.addEventListener('click', () => fetch(`/api/subscriptions/${s.id}`, { method: 'DELETE' }));
      td.append(remove); tr.append(td);
      body.append(tr);
      if (s.state !== 'live') (notLive[s.panel] ??= []).push(s);
    }
    for (const panel of ['index', 'program', 'tape', 'book', 'notices']) {
      const box = $(`#panel-${panel} .sub-status`);
      box.textContent = '';
      for (const s of notLive[panel] ?? []) {
        const line = el('div', s.state, `${s.spec}: ${s.state}${s.message ? ' — ' + s.message : ''}`);
        line.dataset.spec = s.spec;
        box.append(line);
      }
      if (!msg.subscriptions.some(s => s.panel === panel)) box.append(el('div', 'pending', 'no subscription feeds this panel: add one above'));
    }
  }

  // ---- the page's link to the server
  const handlers = {
    index: m => charts.index.apply(m), program: m => charts.program.apply(m), notices: applyNotices, tape: applyTape,
    book: applyBook, health: applyHealth, subscriptions: applySubscriptions,
  };
  const source = new EventSource('/events');
  source.onopen = () => { $('#link').textContent = 'page link: live'; };
  source.onerror = () => { $('#link').textContent = 'page link: reconnecting…'; };
  for (const [name, handle] of Object.entries(handlers)) {
    source.addEventListener(name, e => {
      handle(JSON.parse(e.data));
      stats.events[name] = (stats.events[name] ?? 0) + 1;
      stats.lastEvent[name] = performance.now();
    });
  }

  $('#add-form').addEventListener('submit', async e => {
    e.preventDefault();
    const input = $('#add-spec'), result = $('#add-result');
    const response = await fetch('/api/subscriptions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ spec: input.value }) });
    const body = await response.json();
    result.className = response.ok ? '' : 'error';
    result.textContent = response.ok ? `subscribed ${body.spec}` : body.error;
    if (response.ok) input.value = '';
  });
})();
