// kisrt dashboard page: the orders panel, loaded before dashboard.js, which creates it with the page's helpers and
// hands it the notices events (the notices panel sends the orders table with them).
'use strict';
window.kisrtOrdersPanel = ({ $, el, fmt, setText, setClass, invalidate }) => {
  // ---- orders: one row per order as its notices tell it (the notices panel's KisOrderTracker, server side), newest
  // first, at most the server's capacity; each change brings the whole table (50 rows at most) with the notices event.
  // Rows are reused and their text set in place. Row: [updated, order, amends, code, side, qty, price, filled, avg,
  // cancelled, left, status, status class].
  const ORDER_CELLS = ['', '', '', '', '', 'num', 'num', 'num', 'num', 'num', 'num', ''];
  const SIDE = 4, STATUS = 11;
  return {
    section: $('#panel-orders'), body: $('#panel-orders tbody'), dropped: $('#panel-orders .orders-dropped'), rows: [], droppedCount: 0,
    apply(msg) {
      if (!msg.orders) return; // a delta without it: the table did not change
      this.rows = msg.orders.rows;
      this.droppedCount = msg.orders.dropped;
      invalidate(this);
    },
    makeRow() {
      const tr = el('tr');
      tr.texts = ORDER_CELLS.map((cls, j) => {
        const td = el('td', cls), text = document.createTextNode('');
        if (j === STATUS) { const badge = el('span', 'status'); badge.append(text); td.append(badge); } else td.append(text);
        tr.append(td);
        return text;
      });
      return tr;
    },
    render() {
      const body = this.body;
      while (body.rows.length < this.rows.length) body.append(this.makeRow());
      while (body.rows.length > this.rows.length) body.lastElementChild.remove();
      this.rows.forEach((r, i) => {
        const tr = body.rows[i];
        if (tr.dataset.order !== r[1]) tr.dataset.order = r[1];
        setClass(tr, r[STATUS + 1]);
        for (let j = 0; j < ORDER_CELLS.length; j++) setText(tr.texts[j], r[j]);
        setClass(tr.cells[SIDE], r[SIDE]); // buy / sell colour
        setClass(tr.texts[STATUS].parentNode, `status ${r[STATUS + 1]}`);
      });
      this.section.dataset.orders = this.rows.length;
      this.dropped.textContent = this.droppedCount > 0 ? `(${fmt.format(this.droppedCount)} older dropped)` : '';
    },
  };
};
