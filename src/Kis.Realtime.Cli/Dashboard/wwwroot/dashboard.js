// kisrt dashboard page: applies the server's coalesced panel events (server-sent events on /events) to the panels.
// Memory is bounded here too: chart lines keep at most MAX_POINTS points (a trading day of one-second points),
// feeds keep their server-given capacity of rows.
'use strict';
(() => {
  const MAX_POINTS = 25200;
  const $ = (sel, root = document) => root.querySelector(sel);
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
  // Value-axis labels: the precision comes from the tick step, so neighbouring labels never round to the same text
  // (an index at 2,431.52 with a 0.5 step reads 2,431.5 / 2,432 …, not 2.43K three times). Flows of millions and
  // billions of KRW are shown in M / B with as many decimals as the step needs.
  const axisFormats = new Map();
  const fixed = d => { let f = axisFormats.get(d); if (!f) axisFormats.set(d, f = new Intl.NumberFormat('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })); return f; };
  const decimalsFor = step => Math.min(6, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)));
  function axisLabels(ticks, step) {
    const top = Math.max(...ticks.map(Math.abs));
    const unit = top >= 1e9 ? [1e9, 'B'] : top >= 1e6 ? [1e6, 'M'] : [1, ''];
    const f = fixed(decimalsFor((step || top || 1) / unit[0]));
    return ticks.map(v => f.format(v / unit[0]) + unit[1]);
  }
  const two = n => String(n).padStart(2, '0');
  const clock = s => `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`; // x: seconds of the market day
  const stats = { events: {}, lastEvent: {} }; // read by the browser tests
  window.kisrtDashboard = stats;

  // Rendering: events update each panel's model as they arrive; the DOM is written once per animation frame for the
  // panels that changed, and in place (the same rows and text nodes, new text only where it differs), because the
  // page's cost is layout and paint, not script (measured with CDP at 10,000 records/s).
  const dirty = new Set();
  let frameRequested = false;
  function invalidate(panel) {
    dirty.add(panel);
    if (!frameRequested) { frameRequested = true; requestAnimationFrame(renderDirty); }
  }
  function renderDirty() {
    frameRequested = false;
    const panels = [...dirty];
    dirty.clear();
    for (const panel of panels) panel.render();
  }
  const setText = (node, text) => { if (node.data !== text) node.data = text; };   // node: a Text node
  const setClass = (e, cls) => { if (e.className !== cls) e.className = cls; };
  const textCell = cls => { const td = el('td', cls); td.append(document.createTextNode('')); return td; };

  // ---- charts: one small uPlot per line (index levels and KRW flows have different scales)
  class ChartPanel {
    constructor(name) { this.name = name; this.section = $(`#panel-${name}`); this.lines = new Map(); }
    apply(msg) {
      for (const line of msg.lines) this.applyLine(line, msg.statNames);
      invalidate(this);
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
      chart.time = `${line.time}  `;
      chart.statTexts = statNames.map((n, i) => `${n} ${fmt.format(line.stats[i])}`);
      // The index's change and rate take the Korean colours, as the terminal table does: up red, down blue.
      chart.direction = this.name === 'index' ? (line.stats[1] > 0 ? 'up' : line.stats[1] < 0 ? 'down' : 'flat') : '';
      chart.changed = true;
    }
    render() {
      let points = 0;
      for (const chart of this.lines.values()) {
        points += chart.xs.length;
        if (!chart.changed) continue;
        chart.changed = false;
        chart.plot.setData([chart.xs, chart.ys]);
        this.renderStats(chart);
      }
      this.section.dataset.points = points;
    }
    // The stats line: "time  value …  ·  change …  ·  …", a span per figure (made once, then only their text changes).
    renderStats(chart) {
      const line = chart.stats;
      if (line.childNodes.length !== 1 + chart.statTexts.length * 2) {
        line.textContent = '';
        line.append(document.createTextNode(''));
        chart.statTexts.forEach((_, i) => { line.append(el('span', 'stat'), document.createTextNode(i + 1 < chart.statTexts.length ? '  ·  ' : '')); });
        line.querySelectorAll('span.stat').forEach(span => span.append(document.createTextNode('')));
      }
      setText(line.firstChild, chart.time);
      const spans = line.querySelectorAll('span.stat');
      chart.statTexts.forEach((text, i) => {
        setText(spans[i].firstChild, text);
        // Index: "change" and "rate %" (the second and third figures) coloured by the change's sign.
        setClass(spans[i], chart.direction && (i === 1 || i === 2) ? `stat ${chart.direction}` : 'stat');
      });
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
          { stroke: '#8796a8', grid: { stroke: '#243244' }, size: 76, values: (u, ticks, axis, space, step) => { const l = axisLabels(ticks, step); box.dataset.yLabels = l.join('|'); return l; } },
        ],
        series: [{}, { label, stroke: this.name === 'index' ? '#e9c46a' : '#2a9d8f', width: 1.5, points: { show: false } }],
      };
      const xs = [], ys = [];
      const plot = new uPlot(opts, [xs, ys], box);
      const chart = { xs, ys, plot, stats: statsLine, time: '', statTexts: [], direction: '', changed: false, box };
      new ResizeObserver(() => { const w = box.clientWidth - 4; if (w > 100 && Math.abs(w - plot.width) > 4) plot.setSize({ width: w, height: 220 }); }).observe(box);
      this.lines.set(id, chart);
      return chart;
    }
  }
  const charts = { index: new ChartPanel('index'), program: new ChartPanel('program') };

  // ---- feeds: newest first on the page, at most `capacity` rows. The rows are made once and reused: a render sets
  // the text of each cell (and a class where it depends on the value), so new rows cost text, not elements. Rows
  // scrolled out of sight are brought up to date once a second (and as soon as they scroll into sight), the rows in
  // sight on every render: at thousands of records a second every row changes on every render.
  const FEED_ROW_PX = 18; // dashboard.css: .scroll .grid td height
  const FEED_FULL_EVERY = 5; // renders (the server sends five a second)
  class FeedPanel {
    // columns: [{ cls: row => class of the cell, badge: true when the text sits in a span.kind badge }]; rowClass: row => class
    constructor(name, columns, rowClass) {
      this.name = name; this.section = $(`#panel-${name}`); this.body = $('tbody', this.section);
      this.columns = columns; this.rowClass = rowClass; this.rows = []; this.total = 0; this.counts = {};
      this.renders = 0; this.first = 0;
      const scroller = this.body.closest('.scroll');
      this.visible = Math.ceil(scroller.clientHeight / FEED_ROW_PX) + 1;
      // Read in the scroll event (layout is clean then), never in a render (that would force a layout mid-frame).
      scroller.addEventListener('scroll', () => { this.first = Math.floor(scroller.scrollTop / FEED_ROW_PX); this.full = true; invalidate(this); }, { passive: true });
    }
    apply(msg) {
      const fresh = msg.rows.slice(-msg.capacity).reverse(); // newest first
      this.rows = msg.snapshot ? fresh : fresh.concat(this.rows).slice(0, msg.capacity);
      this.total = msg.total;
      this.counts = msg.counts;
      invalidate(this);
    }
    makeRow() {
      const tr = el('tr');
      const texts = this.columns.map(c => {
        const td = el('td');
        const text = document.createTextNode('');
        if (c.badge) { const badge = el('span'); badge.append(text); td.append(badge); } else td.append(text);
        tr.append(td);
        return text;
      });
      tr.texts = texts;
      return tr;
    }
    render() {
      const body = this.body;
      const created = body.rows.length < this.rows.length;
      while (body.rows.length < this.rows.length) body.append(this.makeRow());
      while (body.rows.length > this.rows.length) body.lastElementChild.remove();
      const full = created || this.full || ++this.renders % FEED_FULL_EVERY === 0;
      this.full = false;
      const from = full ? 0 : Math.max(0, this.first - 1), to = full ? this.rows.length : Math.min(this.rows.length, this.first + this.visible + 1);
      for (let i = from; i < to; i++) {
        const r = this.rows[i], tr = body.rows[i];
        setClass(tr, this.rowClass(r));
        this.columns.forEach((c, j) => {
          const text = tr.texts[j];
          setText(text, r[j]);
          const cls = c.cls ? c.cls(r) : '';
          setClass(c.badge ? text.parentNode : tr.cells[j], cls);
        });
      }
      this.section.dataset.total = this.total;
      this.renderCounts?.();
    }
  }
  const column = cls => ({ cls: typeof cls === 'function' ? cls : () => cls });
  const notices = new FeedPanel('notices', [
    column(''), { cls: r => `kind ${r[1]}`, badge: true }, column(r => r[2]), column(''), column('num'), column('num'), column(''),
  ], () => '');
  const noticeCounts = $('#panel-notices .counts');
  notices.renderCounts = function () {
    const key = JSON.stringify(this.counts);
    if (key === this.countsKey) return;
    this.countsKey = key;
    noticeCounts.textContent = '';
    for (const [kind, n] of Object.entries(this.counts)) { const s = el('span'); s.append(el('span', `kind ${kind}`, kind), ` ${fmt.format(n)}`); noticeCounts.append(s); }
  };
  // ---- orders (dashboard-orders.js): drawn with this page's helpers
  const orders = window.kisrtOrdersPanel({ $, el, fmt, setText, setClass, invalidate });
  // Korean convention: a price is coloured by its change from the previous close (up red, down blue, unchanged
  // neutral); the side (buy red, sell blue) has a cell of its own, so a rising price sold into is red then blue.
  const move = change => change.startsWith('-') ? 'down' : /^[+]?0(\.0+)?$/.test(change) ? 'flat' : 'up';
  const tape = new FeedPanel('tape', [
    column(''), column(''), column(r => `num ${move(r[3])}`), column(r => `num ${move(r[3])}`), column(r => `num ${move(r[3])}`), column('num'),
    column(r => r[6] === 'buy' || r[6] === 'sell' ? `side ${r[6]}` : 'side'), column('num'),
  ], () => '');

  // ---- book ladder: asks (10 → 1) over bids (1 → 10), bars scaled to the largest quantity shown; rows reused
  const bookSelect = $('#book-select');
  const book = {
    section: $('#panel-book'), body: $('#panel-book tbody'), totals: document.createTextNode(''), books: new Map(),
    apply(msg) {
      for (const b of msg.books) {
        if (!this.books.has(b.id)) { const o = el('option', null, `${b.code} (${b.tr})`); o.value = b.id; bookSelect.append(o); }
        this.books.set(b.id, b);
      }
      invalidate(this);
    },
    level(side) {
      const tr = el('tr', side);
      const qty = el('td', side === 'ask' ? 'askq' : 'bidq'), bar = el('span', 'bar'), qtyText = document.createTextNode('');
      qty.append(bar, qtyText);
      const price = el('td', 'price'), priceText = document.createTextNode('');
      price.append(priceText);
      if (side === 'ask') tr.append(qty, price, el('td')); else tr.append(el('td'), price, qty);
      return { tr, bar, qtyText, priceText };
    },
    render() {
      const b = this.books.get(bookSelect.value);
      if (!b) { this.body.textContent = ''; this.rows = null; return; }
      if (!this.rows || this.rows.asks.length !== b.asks.length || this.rows.bids.length !== b.bids.length) {
        const asks = b.asks.map(() => this.level('ask')), bids = b.bids.map(() => this.level('bid'));
        this.body.replaceChildren(...[...asks].reverse().map(l => l.tr), ...bids.map(l => l.tr));
        this.rows = { asks, bids };
        this.section.dataset.levels = asks.length + bids.length;
      }
      const max = Math.max(1, ...b.asks.map(l => l[1]), ...b.bids.map(l => l[1]));
      const fill = (row, [price, qty]) => {
        setText(row.priceText, fmt.format(price));
        // Against the previous close, whichever side: an ask 3 % over it is red, a bid under it blue.
        const prev = b.previousClose;
        setClass(row.priceText.parentNode, prev == null ? 'price' : `price ${price > prev ? 'up' : price < prev ? 'down' : 'flat'}`);
        setText(row.qtyText, fmt.format(qty));
        const width = `${(qty / max) * 100}%`;
        if (row.bar.style.width !== width) row.bar.style.width = width;
      };
      b.asks.forEach((l, i) => fill(this.rows.asks[i], l));
      b.bids.forEach((l, i) => fill(this.rows.bids[i], l));
      setText(this.totals, `${b.time}  total ask ${fmt.format(b.totalAsk)}  ·  total bid ${fmt.format(b.totalBid)}`);
    },
  };
  $('#panel-book .book-totals').append(book.totals);
  bookSelect.addEventListener('change', () => invalidate(book));

  // ---- candles: 1-minute bars built by the library's BarAggregator (server side), drawn here as SVG: a body from open
  // to close and a wick from high to low over the price scale, the minute's volume below. Closed bars are kept up to
  // MAX_CANDLES a stock; the newest SHOWN_CANDLES and the forming bar are drawn. Bars: [minute, o, h, l, c, v, gap].
  const MAX_CANDLES = 400, SHOWN_CANDLES = 120, CW = 960, CH = 320, VOLUME_H = 70, PAD = 8, TIME_H = 14;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const svgEl = (tag, attrs) => { const e = document.createElementNS(SVG_NS, tag); for (const k in attrs) e.setAttribute(k, attrs[k]); return e; };
  const candleSelect = $('#candle-select');
  const candles = {
    section: $('#panel-candles'), svg: $('#panel-candles svg'), stats: $('#panel-candles .candle-stats'), series: new Map(),
    apply(msg) {
      for (const s of msg.series) {
        let c = this.series.get(s.id);
        if (!c) {
          c = { code: s.code, tr: s.tr, closed: [], forming: null };
          this.series.set(s.id, c);
          const o = el('option', null, `${s.code} (${s.tr})`); o.value = s.id; candleSelect.append(o);
        }
        if (msg.snapshot) c.closed = [];
        for (const b of s.closed) {
          const last = c.closed[c.closed.length - 1];
          if (last && last[0] === b[0]) c.closed[c.closed.length - 1] = b; else if (!last || b[0] > last[0]) c.closed.push(b);
        }
        if (c.closed.length > MAX_CANDLES) c.closed.splice(0, c.closed.length - MAX_CANDLES);
        c.forming = s.forming ?? null;
      }
      invalidate(this);
    },
    render() {
      const c = this.series.get(candleSelect.value);
      if (!c) { this.svg.replaceChildren(); this.stats.textContent = ''; return; }
      const shown = c.closed.slice(-SHOWN_CANDLES);
      const last = shown[shown.length - 1];
      if (c.forming && (!last || c.forming[0] > last[0])) shown.push(c.forming);
      this.section.dataset.closed = c.closed.length;
      this.section.dataset.candles = shown.length;
      if (!shown.length) { this.svg.replaceChildren(); return; }
      const high = Math.max(...shown.map(b => b[2])), low = Math.min(...shown.map(b => b[3]));
      const maxVolume = Math.max(1, ...shown.map(b => b[5]));
      const priceH = CH - VOLUME_H - TIME_H - 3 * PAD, step = CW / Math.max(shown.length, 30), body = Math.max(1, step * 0.7);
      const y = p => PAD + (high === low ? priceH / 2 : (high - p) / (high - low) * priceH);
      const nodes = shown.map((b, i) => {
        const [minute, o, h, l, cl, v, gap] = b;
        const x = i * step + (step - body) / 2, mid = i * step + step / 2;
        const g = svgEl('g', { class: `candle ${cl >= o ? 'up' : 'down'}${gap ? ' gap' : ''}${b === c.forming ? ' forming' : ''}` });
        Object.assign(g.dataset, { minute: clock(minute * 60).slice(0, 5), o, h, l, c: cl, v });
        const top = y(Math.max(o, cl)), height = Math.max(1, Math.abs(y(o) - y(cl)));
        const volumeH = v / maxVolume * VOLUME_H;
        g.append(svgEl('line', { class: 'wick', x1: mid, x2: mid, y1: y(h), y2: y(l) }),
          svgEl('rect', { class: 'body', x, width: body, y: top, height }),
          svgEl('rect', { class: 'vol', x, width: body, y: CH - TIME_H - PAD - volumeH, height: Math.max(volumeH, v > 0 ? 1 : 0) }));
        const title = svgEl('title', {}); title.textContent = `${g.dataset.minute} O ${fmt.format(o)} H ${fmt.format(h)} L ${fmt.format(l)} C ${fmt.format(cl)} V ${fmt.format(v)}${gap ? ' (gap)' : ''}`;
        g.append(title);
        return g;
      });
      const labels = [high, low].map((p, i) => { const t = svgEl('text', { class: 'axis', x: CW - 4, y: i ? y(p) - 2 : y(p) + 10, 'text-anchor': 'end' }); t.textContent = fmt.format(p); return t; });
      // Time axis (HH:mm, market time): a label every `every` bars, at whole multiples so labels keep their place.
      const every = [1, 2, 5, 10, 15, 30, 60].find(n => n * step >= 70) ?? 60;
      const times = [];
      shown.forEach((b, i) => {
        if (b[0] % every !== 0) return;
        const mid = i * step + step / 2;
        times.push(svgEl('line', { class: 'tick', x1: mid, x2: mid, y1: CH - TIME_H - 2, y2: CH - TIME_H + 1 }));
        const t = svgEl('text', { class: 'axis time', x: mid, y: CH - 3, 'text-anchor': 'middle' }); t.textContent = clock(b[0] * 60).slice(0, 5);
        times.push(t);
      });
      this.svg.replaceChildren(...nodes, ...labels, ...times);
      const [minute, o, h, l, cl, v] = shown[shown.length - 1];
      this.stats.textContent = `${c.code} ${clock(minute * 60).slice(0, 5)}${c.forming && shown[shown.length - 1] === c.forming ? ' (forming)' : ''}  O ${fmt.format(o)}  H ${fmt.format(h)}  L ${fmt.format(l)}  C ${fmt.format(cl)}  V ${fmt.format(v)}`;
    },
  };
  candleSelect.addEventListener('change', () => invalidate(candles));

  // ---- health: the server names and formats the figures (a direct session and a gateway consumer show different ones)
  const health = {
    figures: [], history: [], state: '', linkDown: false,
    apply(msg) { this.state = msg.state; this.figures = msg.figures; this.history = msg.history; this.linkDown = false; invalidate(this); },
    render() {
      const state = $('#state');
      if (!this.linkDown) {
        state.textContent = this.state;
        setClass(state, `badge ${this.state}`);
      }
      const dl = $('#panel-health .figures');
      const names = this.figures.map(f => f[0]).join('\n');
      if (names !== this.names) {
        this.names = names;
        dl.textContent = '';
        this.cells = this.figures.map(([name]) => {
          const dd = el('dd');
          dd.dataset.figure = name;
          dd.append(document.createTextNode(''));
          dl.append(el('dt', null, name), dd);
          return dd;
        });
      }
      this.figures.forEach(([, value, alert, wide], i) => { setText(this.cells[i].firstChild, value); setClass(this.cells[i], (alert ? 'alert' : '') + (wide ? ' wide' : '')); });
      const key = this.history.length + (this.history.at(-1)?.join('\t') ?? '');
      if (key !== this.historyKey) {
        this.historyKey = key;
        const body = $('#panel-health .history tbody');
        body.textContent = '';
        for (const row of [...this.history].reverse()) { const tr = el('tr'); row.forEach(v => tr.append(el('td', '', v))); body.append(tr); }
      }
    },
  };

  // ---- subscriptions: the list, and each panel's line for subscriptions that are not live (pending, refused …).
  // Rebuilt when the set or a state changes; otherwise only the counts and latest records are written.
  const subscriptions = {
    msg: null,
    apply(msg) {
      if (msg.counts) {
        // Counts only: the rows whose records moved; the list and every state stay as they are.
        for (const c of msg.counts) {
          const s = this.msg?.subscriptions.find(x => x.id === c.id);
          if (s) { s.records = c.records; if (c.latest !== undefined) s.latest = c.latest; }
        }
        if (this.msg) invalidate(this);
        return;
      }
      this.msg = msg; invalidate(this);
    },
    render() {
      const msg = this.msg;
      const key = msg.subscriptions.map(s => `${s.id}\t${s.state}\t${s.message}`).join('\n');
      if (key === this.key) {
        msg.subscriptions.forEach((s, i) => { setText(this.cells[i].records, fmt.format(s.records)); setText(this.cells[i].latest, s.message || s.latest || ''); });
        return;
      }
      this.key = key;
      const body = $('#panel-subscriptions tbody');
      body.textContent = '';
      const notLive = {};
      this.cells = msg.subscriptions.map(s => {
        const tr = el('tr', s.state);
        tr.dataset.spec = s.spec;
        // The name and the latest record / refusal reason are free text of any length: they wrap (dashboard.css).
        [s.spec, s.name, s.panel, s.state].forEach((v, i) => tr.append(el('td', i === 3 ? s.state : i === 1 ? 'wrap' : '', v)));
        const records = textCell('num'), latest = textCell('wrap');
        tr.append(records, latest);
        const td = el('td'); const remove = el('button', null, 'remove');
        remove.addEventListener('click', () => fetch(`/api/subscriptions/${s.id}`, { method: 'DELETE' }));
        td.append(remove); tr.append(td);
        body.append(tr);
        if (s.state !== 'live') (notLive[s.panel] ??= []).push(s);
        setText(records.firstChild, fmt.format(s.records));
        setText(latest.firstChild, s.message || s.latest || '');
        return { records: records.firstChild, latest: latest.firstChild };
      });
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
    },
  };

  // ---- the page's link to the server
  const handlers = {
    index: m => charts.index.apply(m), program: m => charts.program.apply(m), notices: m => { notices.apply(m); orders.apply(m); }, tape: m => tape.apply(m),
    book: m => book.apply(m), candles: m => candles.apply(m), health: m => health.apply(m), subscriptions: m => subscriptions.apply(m),
  };
  const source = new EventSource('/events');
  // While the page's link is down the page cannot know kisrt's state: the badge says so instead of a stale "Connected"
  // (the next health message, which follows a reconnect, shows the state again).
  source.onopen = () => { $('#link').textContent = 'page link: live'; health.linkDown = false; };
  source.onerror = () => {
    $('#link').textContent = 'page link: reconnecting…';
    health.linkDown = true;
    const state = $('#state');
    state.textContent = 'unknown: page link down';
    setClass(state, 'badge unknown');
  };
  for (const [name, handle] of Object.entries(handlers)) {
    source.addEventListener(name, e => {
      handle(JSON.parse(e.data));
      stats.events[name] = (stats.events[name] ?? 0) + 1;
      stats.lastEvent[name] = performance.now();
    });
  }

  // ?screenshot: hold the load event (an image the server answers when told) until every market panel and the health
  // panel have drawn live data, then ?settle=N seconds more (default 3) so the charts have lines: headless chromium's
  // --screenshot shoots at load, which a live page otherwise reaches before its first events (empty panels).
  const query = new URLSearchParams(location.search);
  if (query.has('screenshot')) {
    const id = Array.from(crypto.getRandomValues(new Uint8Array(8)), b => b.toString(16).padStart(2, '0')).join('');
    const hold = new Image(1, 1);
    hold.alt = '';
    hold.style.display = 'none';
    hold.src = `/screenshot-hold/${id}`;
    document.body.append(hold);
    const settle = Math.min(60, Math.max(0, Number(query.get('settle') ?? 3) || 0));
    const needed = ['health', 'index', 'program', 'tape', 'book', 'subscriptions'];
    const waiting = setInterval(() => {
      if (!needed.every(n => (stats.events[n] ?? 0) > 0) || health.linkDown) return;
      clearInterval(waiting);
      setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(() => {
        stats.screenshotReady = true;
        fetch(`/screenshot-hold/${id}`, { method: 'POST' });
      })), settle * 1000);
    }, 100);
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
