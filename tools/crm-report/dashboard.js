"use strict";
// The dashboard's script: pages of charts (Chart.js) and tables drawn from
// the documents embedded in the page. Every figure is read from a
// document; the charts keep the figures they draw in their data, which the
// browser test compares with the JSON.
const D = JSON.parse(document.getElementById("crm-data").textContent);
const doc = id => JSON.parse(document.getElementById(id).textContent);
const COLORS = ["#2c3e73", "#4a6fb5", "#d4a72c", "#8fa3bf", "#7d8b99", "#b9c7d8", "#5a9e6f", "#b5654a"];
const $ = id => document.getElementById(id);
const esc = s => String(s).replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
const int = n => Number(n).toLocaleString("en-US");
// The currency of the series shown (money.currency), beside every amount;
// XXX, ISO 4217's "no currency", shows none.
let CUR = "";
const amount = n => Number(n).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const money = n => amount(n) + (CUR ? " " + CUR : "");
const pct = n => (Number(n) * 100).toFixed(2) + "%";
const signed = (n, f) => (n > 0 ? "+" : "") + f(n);
const compact = n => Number(n).toLocaleString("en-US", { notation: "compact", maximumFractionDigits: 1 });
// An axis title with its unit: "value (EUR)", or the bare name without a currency.
const inCur = name => CUR ? `${name} (${CUR})` : name;
// Money keeps its decimals in data and CSV: 12.50, not 12.5.
const DEC = Number((D.rules.keys.find(k => k.key === "money.decimals") || { value: 2 }).value);
const fix = n => Number(n).toFixed(DEC);

// ---- charts ----
Chart.defaults.animation = false;
Chart.defaults.font.size = 12;
Chart.defaults.color = "#5b6475";
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.plugins.legend.labels.boxWidth = 12;
Chart.defaults.plugins.tooltip.mode = "nearest";

// chart draws CONFIG on the canvas ID, replacing the chart drawn there.
function chart(id, config) {
  const c = $(id), old = Chart.getChart(c);
  if (old) old.destroy();
  return new Chart(c, config);
}
// axis: a scale with a title (name and unit) and tick labels by FMT.
function axis(title, fmt, more) {
  return Object.assign({ title: { display: true, text: title }, ticks: fmt ? { callback: v => fmt(v) } : {} }, more || {});
}
// Tick labels of a time axis: fewer on a phone, so that none overlap.
const timeTicks = () => ({ autoSkip: true, maxRotation: 0, maxTicksLimit: window.innerWidth < 600 ? 5 : 12 });
// A category axis of months: labels "24-02", "*" marking a partial month.
function monthAxis(more) {
  return Object.assign({ title: { display: true, text: "month (* partial)" }, ticks: timeTicks() }, more || {});
}
// tips: tooltip callbacks writing a point's exact value by FMT.
function tips(fmt, title) {
  const t = { callbacks: { label: c => `${c.dataset.label}: ${fmt(c.raw, c)}` } };
  if (title) t.callbacks.title = title;
  return t;
}
// The heat grid: a scatter of the cells' centres (for tooltips and hover)
// under a plugin that fills each cell's whole square, shaded by its value,
// and writes the value on it: Chart.js 3 has no matrix chart of its own.
// CELLS are {x, y, v} over 1..NX x 1..NY.
const heatCells = {
  id: "heatCells",
  beforeDatasetsDraw(ch, args, opts) {
    if (!opts.format) return;
    const ctx = ch.ctx, xs = ch.scales.x, ys = ch.scales.y;
    for (const d of ch.data.datasets[0].data) {
      const x0 = xs.getPixelForValue(d.x - 0.5), x1 = xs.getPixelForValue(d.x + 0.5);
      const y0 = ys.getPixelForValue(d.y + 0.5), y1 = ys.getPixelForValue(d.y - 0.5);
      ctx.save();
      ctx.fillStyle = `rgba(44,62,115,${(0.06 + 0.94 * d.shade).toFixed(3)})`;
      ctx.fillRect(x0 + 1, y0 + 1, x1 - x0 - 2, y1 - y0 - 2);
      ctx.fillStyle = d.shade > 0.55 ? "#fff" : "#1d2330";
      ctx.font = "11px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(opts.format(d.v), (x0 + x1) / 2, (y0 + y1) / 2);
      ctx.restore();
    }
  },
};
// Ticks at the whole numbers 1..N only, labelled by FMT.
const wholeTicks = (n, fmt) => ({
  min: 0.5, max: n + 0.5, grid: { display: false },
  afterBuildTicks: ax => { ax.ticks = Array.from({ length: n }, (_, i) => ({ value: i + 1 })); },
  ticks: { autoSkip: false, callback: v => fmt(v) },
});
function heatGrid(id, cells, o) {
  const max = Math.max(1e-12, ...cells.map(c => c.v));
  cells.forEach(c => { c.shade = o.shade ? o.shade(c.v) : c.v / max; });
  const half = ch => {
    const a = ch.chartArea;
    return a ? Math.max(3, Math.min(a.width / o.nx, a.height / o.ny) / 2) : 8;
  };
  return chart(id, {
    type: "scatter",
    data: { datasets: [{ label: o.label, data: cells, pointRadius: 0, pointHoverRadius: 0,
      pointHitRadius: c => half(c.chart), backgroundColor: "transparent", borderWidth: 0 }] },
    options: {
      scales: {
        x: Object.assign({ title: { display: true, text: o.xTitle } }, wholeTicks(o.nx, o.xTick)),
        y: Object.assign({ title: { display: true, text: o.yTitle } }, wholeTicks(o.ny, o.yTick)),
      },
      plugins: { legend: { display: true, labels: { generateLabels: () => [{ text: o.legend, fillStyle: "rgba(44,62,115,0.6)", strokeStyle: "transparent", lineWidth: 0 }] } },
        tooltip: { callbacks: { title: () => "", label: c => o.tip(c.raw) } }, heatCells: { format: o.format } },
    },
    plugins: [heatCells],
  });
}
// Ticks of a log axis at the powers of ten only.
const logTicks = { callback: v => Number.isInteger(Math.log10(v)) ? compact(v) : "" };

// ---- the selection: page, brand ("" for all) and month, also in the URL's hash ----
const sel = { page: "signals", brand: "", month: "" };
function readHash() {
  for (const part of location.hash.slice(1).split("&")) {
    const [k, v] = part.split("=").map(decodeURIComponent);
    if (k in sel && v !== undefined) sel[k] = v;
  }
}
const NO_SERIES = { brand: null, months: [], at_risk: [] };
function series() { return D.series.find(s => (s.brand || "") === sel.brand) || D.series[0] || NO_SERIES; }
function monthIndex(s) { const i = s.months.findIndex(m => m.month === sel.month); return i < 0 ? s.months.length - 1 : i; }

// The pages: each draws itself when shown, names the selectors it follows
// (data-uses) and the brands its documents have; the others are hidden
// while it is shown. pages.js adds the pages of further documents.
const PAGES = [
  { id: "signals", title: "Signals", draw: renderSignals, brands: () => D.input.brands },
  { id: "segments", title: "Segments", draw: renderSegments, when: () => RFM || KM,
    brands: () => RFM ? RFM.brands.map(b => b.brand).filter(Boolean) : [] },
  { id: "rules", title: "Rules", draw: renderRules, brands: () => D.input.brands },
];
// The brand selector offers the brands of the page shown; a brand the page
// has not is "All brands" there.
function fillBrands(list) {
  const b = $("brand");
  if (!list.includes(sel.brand)) sel.brand = "";
  if (b.dataset.list !== JSON.stringify(list)) {
    b.innerHTML = '<option value="">All brands</option>' + list.map(x => `<option>${esc(x)}</option>`).join("");
    b.dataset.list = JSON.stringify(list);
  }
  b.disabled = !list.length;
  b.value = sel.brand;
}
function fillSelectors() {
  const b = $("brand");
  const s = D.series[0] || NO_SERIES;
  $("month").innerHTML = s.months.slice().reverse().map(m => `<option value="${m.month}">${m.month}${m.partial ? ` (to ${D.input.as_of})` : ""}</option>`).join("");
  if (!sel.month && s.months.length) sel.month = s.months[s.months.length - 1].month;
  $("month").value = sel.month;
  b.onchange = () => { sel.brand = b.value; render(); };
  $("month").onchange = () => { sel.month = $("month").value; render(); };
  $("pages").innerHTML = PAGES.filter(p => !p.when || p.when()).map(p => `<a href="#" data-page="${p.id}" id="tab-${p.id}">${esc(p.title)}</a>`).join("");
  for (const a of $("pages").querySelectorAll("a"))
    a.onclick = e => { e.preventDefault(); sel.page = a.dataset.page; render(); window.scrollTo(0, 0); };
}

function render() {
  const page = PAGES.find(p => p.id === sel.page && (!p.when || p.when())) || PAGES[0];
  sel.page = page.id;
  for (const p of PAGES) $("page-" + p.id).hidden = p !== page;
  for (const a of $("pages").querySelectorAll("a"))
    a.setAttribute("aria-current", a.dataset.page === page.id ? "page" : "false");
  // A selector shows only on the pages that follow it.
  fillBrands(page.brands ? page.brands() : []);
  const uses = $("page-" + page.id).dataset.uses.split(" ");
  $("brand-label").hidden = !uses.includes("brand");
  $("month-label").hidden = !uses.includes("month");
  const s = series();
  CUR = s.currency && s.currency !== "XXX" ? s.currency : "";
  page.draw();
  const m = s.months.length ? s.months[monthIndex(s)].month : "";
  history.replaceState(null, "", `#page=${page.id}&brand=${encodeURIComponent(sel.brand)}&month=${m}`);
  document.body.dataset.page = page.id;
  document.body.dataset.brand = sel.brand;
  document.body.dataset.month = m;
}

// ---- the signals page ----
function card(id, label, value, shown, detail) {
  return `<div class="card"><div class="k">${label}</div><div class="v" id="kpi-${id}" data-value="${esc(value)}">${shown}</div><div class="d">${detail || ""}</div></div>`;
}

function renderKpis(s, m) {
  const y = m.yoy, i = s.months.indexOf(m), before = i >= 12 ? s.months[i - 12] : null;
  // A partial month is compared as it stands; a warm-up month not at all.
  const none = m.warmup ? "warm-up month: no comparison" :
    before && before.warmup ? `${before.month} is a warm-up month: no comparison` : "no year before";
  const d = (f, k) => y ? `${signed(y[k], f)} vs ${y.month}${y.partial ? ` (${m.days} days against a whole month)` : ""}` : none;
  $("kpis").innerHTML =
    card("customers", "Customers", m.customers, int(m.customers), d(int, "customers")) +
    card("active", "Active", m.active, int(m.active), `${int(m.inactive)} inactive`) +
    card("value_12m", "12-month value", m.value_12m, money(m.value_12m), d(money, "value_12m")) +
    card("new", "New customers", m.events.new, int(m.events.new), d(int, "new")) +
    card("share_at_risk", "Share at risk", m.churn.share_at_risk, pct(m.churn.share_at_risk), `${int(m.churn.at_risk)} of ${int(m.active)} active`) +
    card("value_at_risk", "High-value at risk", m.churn.value_at_risk, money(m.churn.value_at_risk), `${int(m.churn.at_risk)} customers, 12-month value`);
}

// The tiers of series S: its brand's own (tier.order of its section), and
// the colour of a tier by its place among every brand's tiers.
function tiersOf(s) { return s.tiers || D.tiers; }
function tierColor(t) { return COLORS[Math.max(0, D.tiers.indexOf(t)) % COLORS.length]; }
const fade = (hex, warm) => warm ? hex + "66" : hex;
// The period behind the figures: the as-of day, a partial last month,
// warm-up months, the currency.
function renderPeriod(s, m) {
  const parts = [];
  if (D.input.as_of)
    parts.push(`Data from ${D.input.period_start || D.input.first_month} to ${D.input.as_of}, the as-of day.`);
  if (m.partial)
    parts.push(`${m.month} is partial: its figures cover ${m.days} days, up to ${D.input.as_of}; its rates are per day elapsed.`);
  const w = s.months.filter(x => x.warmup);
  if (w.length)
    parts.push(`Warm-up ${w.length > 1 ? `months ${w[0].month} to ${w[w.length - 1].month}` : `month ${w[0].month}`} (pale bars): ` +
      "the customers' history before the data is unknown, so new customers are too many and lost or reactivated too few; " +
      "year-on-year comparisons with them are left out.");
  parts.push(CUR ? `Amounts in ${CUR}.` : "No currency set (money.currency).");
  $("period-note").textContent = parts.join(" ");
}
const monthLabel = m => m.month.slice(2) + (m.partial ? "*" : "");
const monthNote = m => (m.partial ? ` (${m.days} days, to ${D.input.as_of})` : "") + (m.warmup ? " (warm-up)" : "");
// The 12 months ending with month I of S.
const last12 = (s, i) => s.months.slice(Math.max(0, i - 11), i + 1);
const monthTitle = months => items => items.length ? months[items[0].dataIndex].month + monthNote(months[items[0].dataIndex]) : "";

function renderTrend(s, i) {
  const months = last12(s, i);
  chart("trend", {
    type: "bar",
    data: { labels: months.map(monthLabel), datasets: tiersOf(s).map(t => ({
      label: t, data: months.map(m => m.tiers[t].customers),
      backgroundColor: months.map(m => fade(tierColor(t), m.warmup)) })) },
    options: { scales: { x: monthAxis({ stacked: true }), y: axis("active customers", compact, { stacked: true, beginAtZero: true }) },
      plugins: { tooltip: tips(v => int(v) + " customers", monthTitle(months)) } },
  });
}

function renderDonut(s, m) {
  const ts = tiersOf(s);
  $("donut-title").textContent = `Tier mix of ${int(m.active)} active customers, ${m.month}`;
  chart("donut", {
    type: "doughnut",
    data: { labels: ts, datasets: [{ label: "active customers", data: ts.map(t => m.tiers[t].customers), backgroundColor: ts.map(tierColor) }] },
    options: { cutout: "55%", plugins: { legend: { position: window.innerWidth < 600 ? "bottom" : "right" },
      tooltip: { callbacks: { label: c => `${c.label}: ${int(c.raw)} customers (${pct(m.tiers[c.label].share)})` } } } },
  });
}

function renderEvents(s, i) {
  const months = last12(s, i);
  const kinds = [["new", "#5a9e6f"], ["lost", "#c0392b"], ["reactivated", "#4a6fb5"]];
  chart("events", {
    type: "bar",
    data: { labels: months.map(monthLabel), datasets: kinds.map(([k, c]) => ({
      label: k, data: months.map(m => m.events[k]), backgroundColor: months.map(m => fade(c, m.warmup)) })) },
    options: { scales: { x: monthAxis(), y: axis("customers", compact, { beginAtZero: true }) },
      plugins: { tooltip: tips(v => int(v) + " customers", monthTitle(months)) } },
  });
}

// Two axes: the 12-month value in the currency (left), the share of active
// customers at risk in percent (right).
function renderValue(s, i) {
  const months = last12(s, i);
  chart("value", {
    data: { labels: months.map(monthLabel), datasets: [
      { type: "bar", label: "12-month value", data: months.map(m => m.value_12m), yAxisID: "y", backgroundColor: months.map(m => fade("#8fa3bf", m.warmup)), order: 2 },
      { type: "line", label: "share at risk", data: months.map(m => m.churn.share_at_risk), yAxisID: "y1", borderColor: "#c0392b", backgroundColor: "#c0392b", order: 1 },
    ] },
    options: { scales: {
      x: monthAxis(),
      y: axis(inCur("12-month value"), compact, { beginAtZero: true, position: "left" }),
      y1: axis("share of active at risk (%)", v => (v * 100).toFixed(1) + "%", { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } }),
    }, plugins: { tooltip: tips((v, c) => c.dataset.yAxisID === "y" ? money(v) : pct(v), monthTitle(months)) } },
  });
}

// Tables keep their rows as data too, for the CSV export.
const tables = {};
// SHOWN gives each column a formatter, or "l" (left) or "w" (wrapped text).
function renderTable(id, head, rows, shown) {
  tables[id] = { head, rows };
  const cell = (v, f) => {
    const cls = f === "w" ? ' class="w"' : f === "l" ? ' class="l"' : "";
    return `<td${cls} data-value="${esc(v === null ? "" : v)}">${typeof f === "function" ? f(v) : esc(v === null ? "" : v)}</td>`;
  };
  $(id).innerHTML = "<thead><tr>" + head.map((h, j) => `<th${shown[j] === "l" || shown[j] === "w" ? ' class="l"' : ""}>${esc(h)}</th>`).join("") +
    "</tr></thead><tbody>" + rows.map((r, k) => `<tr data-row="${k}">` + r.map((v, j) => cell(v, shown[j])).join("") + "</tr>").join("") + "</tbody>";
}
// csvCell writes one CSV field. A plain number stays as it is; any other
// text is quoted, and one a spreadsheet would run as a formula (starting
// with =, +, -, @, a tab or a carriage return: a customer id such as
// =HYPERLINK(...) from a hostile export) gets a leading single quote, as
// OWASP advises against CSV injection.
const PLAIN_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;
function csvCell(v) {
  const s = v === null || v === undefined ? "" : String(v);
  if (s === "" || PLAIN_NUMBER.test(s)) return s;
  return '"' + (/^[=+\-@\t\r]/.test(s) ? "'" : "") + s.replace(/"/g, '""') + '"';
}
function csvOf(id) {
  const t = tables[id];
  return [t.head, ...t.rows].map(r => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
function download(id, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([csvOf(id)], { type: "text/csv" }));
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
}
function exportButton(button, table, name) {
  $(button).onclick = () => download(table, name());
}

function renderTiers(s, m) {
  const rows = tiersOf(s).map(t => { const x = m.tiers[t]; return [t, x.customers, x.share, fix(x.value), x.value_share, fix(x.value_12m), x.at_risk, fix(x.value_at_risk)]; });
  rows.push([s.inactive_tier || D.inactive_tier, m.inactive, "", fix(m.inactive_value), "", fix(m.inactive_value_12m), 0, fix(0)]);
  rows.push(["total", m.customers, "", fix(m.value), 1, fix(m.value_12m), m.churn.at_risk, fix(m.churn.value_at_risk)]);
  const opt = f => v => v === "" ? "" : f(v);
  renderTable("tiers", ["tier", "customers", "share of active", inCur("value"), "value share", inCur("12-month value"), "at risk", inCur("value at risk")],
    rows, ["l", int, opt(pct), amount, opt(pct), amount, int, amount]);
}

function renderRisk(s, m) {
  const latest = s.months.length && m.month === s.months[s.months.length - 1].month;
  $("risk-note").textContent = latest
    ? `${s.at_risk.length} of ${int(m.churn.at_risk)} customers at risk in ${m.month}, by 12-month value (crm-json --at-risk).`
    : `The list is of the latest month, ${s.months.length ? s.months[s.months.length - 1].month : ""}; ${int(m.churn.at_risk)} customers were at risk in ${m.month}.`;
  const hasBrand = D.input.brands.length > 0;
  const head = ["rank"].concat(hasBrand ? ["brand"] : [], ["customer", "tier", inCur("12-month value"), "recency days", "reason"]);
  const rows = latest ? s.at_risk.map(r => [r.rank].concat(hasBrand ? [r.brand] : [], [r.customer_id, r.tier, fix(r.value_12m), r.recency_days === null ? "" : r.recency_days, r.reason])) : [];
  renderTable("risk", head, rows, [int].concat(hasBrand ? ["l"] : [], ["l", "l", amount, v => esc(v), "l"]));
}

// A document with no rows still shows the rules in effect, and says that
// there is no data instead of drawing empty charts and tables.
function renderSignals() {
  const s = series();
  const empty = !s.months.length;
  for (const e of [$("signal-charts"), $("tiers-section"), $("risk-section"), $("period-note")]) e.hidden = empty;
  if (empty) {
    $("kpis").innerHTML = card("rows", "No data", 0, "0 rows", "The signals hold no customer month; the Rules page shows the rules in effect.");
    return;
  }
  const i = monthIndex(s), m = s.months[i];
  renderKpis(s, m);
  renderPeriod(s, m);
  renderTrend(s, i);
  renderDonut(s, m);
  renderEvents(s, i);
  renderValue(s, i);
  renderTiers(s, m);
  renderRisk(s, m);
}

function renderRules() {
  $("rules-note").innerHTML = `Every figure follows from these rules, fingerprint <code id="rules-id">${esc(D.rules.id)}</code> (<code>crm-rules id</code>)` +
    `${sel.brand ? `, as in effect for brand ${esc(sel.brand)}` : ""}. Brand sections: ${D.rules.brands.length ? D.rules.brands.map(b => esc(b.brand)).join(", ") : "none"}.`;
  let keys = D.rules.keys;
  const b = D.rules.brands.find(x => x.brand === sel.brand);
  if (b) keys = b.keys;
  renderTable("rules", ["key", "value", "unit", "meaning", "source"], keys.map(k => [k.key, k.value, k.unit, k.meaning, k.source || ""]), ["l", "l", "l", "w", "l"]);
}

// ---- the segments page: crm-rfm --json and crm-kmeans --json ----
const RFM = doc("crm-rfm");
const KM = doc("crm-kmeans");
const CL_COLORS = ["#1b7a3d", "#2c7fb8", "#e6a817", "#c0392b", "#8e24aa", "#6d6d6d", "#7fcdbb", "#f16913"];
const SEG_COLORS = ["#1b7a3d", "#4caf50", "#8e24aa", "#c0392b", "#2c7fb8", "#7fcdbb", "#e6a817", "#f16913", "#6d6d6d", "#b0b0b0"];

// panel adds a titled chart box to BOX; returns the canvas id.
function panel(box, title, id, cls) {
  const s = document.createElement("section");
  s.innerHTML = `<h2>${esc(title)}</h2><div class="chart ${cls || ""}"><canvas id="${id}" role="img" aria-label="${esc(title)}"></canvas></div>`;
  box.appendChild(s);
  return id;
}
function div(box, cls, id) {
  const d = document.createElement("div");
  if (cls) d.className = cls;
  if (id) d.id = id;
  box.appendChild(d);
  return d;
}

// The brands whose segments show: every brand of the document under "All
// brands", else the one chosen (a document without brands has one section).
function rfmBrands() {
  if (!RFM) return [];
  if (!sel.brand) return RFM.brands;
  return RFM.brands.filter(b => (b.brand || "") === sel.brand);
}

function renderSegments() {
  const box = $("segments");
  for (const c of box.querySelectorAll("canvas")) { const ch = Chart.getChart(c); if (ch) ch.destroy(); }
  box.innerHTML = "";
  const parts = [];
  if (RFM) {
    const bs = rfmBrands();
    parts.push(`RFM segments as of ${RFM.as_of} (crm-rfm), ` + (RFM.brands.length > 1 || RFM.brands.some(b => b.brand)
      ? (sel.brand ? `brand ${sel.brand}` : `every brand: ${RFM.brands.length} brand sections, each scored on its own`)
      : "all customers") + ". The Month selector does not apply: segments are scored once, as of that day.");
    if (!bs.length) parts.push(`The RFM document has no section for brand ${sel.brand}.`);
    bs.forEach((b, k) => rfmPictures(box, b, k));
  }
  if (KM) kmeansPictures(box);
  $("segments-note").textContent = parts.join(" ");
}

function rfmPictures(box, b, k) {
  const part = div(box, "rfm-brand", `rfm-${k}`);
  part.dataset.brand = b.brand || "";
  const h = document.createElement("h3");
  h.textContent = b.brand ? `Brand ${b.brand}` : "All customers";
  part.appendChild(h);
  const note = div(part, "note rfm-note");
  note.textContent = `${int(b.customers)} customers with a consumable order in the ${b.period_days} days to ${RFM.as_of}, scores 1-${b.bins}` +
    (b.net_negative ? `; ${int(b.net_negative)} of them returned more than they bought (monetary below 0, scored lowest).` : ".");
  const grid = div(part, "grid three");
  const segs = b.segments;

  chart(panel(grid, "Customers per segment", `rfm-bars-${k}`, "tall"), {
    type: "bar",
    data: { labels: segs.map(s => s.label), datasets: [{ label: "customers", data: segs.map(s => s.customers), backgroundColor: segs.map((s, i) => SEG_COLORS[i % SEG_COLORS.length]) }] },
    options: { indexAxis: "y", scales: { x: axis("customers", compact, { beginAtZero: true }), y: axis("segment") },
      plugins: { tooltip: { callbacks: { label: c => { const s = segs[c.dataIndex]; return `${int(s.customers)} customers (${pct(s.share)}), ${pct(s.revenue_share)} of revenue`; } } } } },
  });

  const n = b.bins, cells = [];
  for (let f = 1; f <= n; f++) for (let r = 1; r <= n; r++) cells.push({ x: r, y: f, v: b.grid[f - 1][r - 1][0], m: b.grid[f - 1][r - 1][1] });
  heatGrid(panel(grid, "Customers per recency and frequency score", `rfm-grid-${k}`, "square"), cells, {
    nx: n, ny: n, label: "customers", legend: "customers per cell (darker: more)",
    xTitle: `recency score (${n}: most recent)`, yTitle: `frequency score (${n}: most orders)`,
    xTick: v => "R" + v, yTick: v => "F" + v, format: int,
    tip: c => `R ${c.x}, F ${c.y}: ${int(c.v)} customers, ${money(c.m)}`,
  });

  // Recency against monetary value, a sample, one dataset per segment; the
  // log scale draws values below 1 at 1.
  chart(panel(grid, `Recency and monetary value (${int(b.points.length)} customers sampled)`, `rfm-scatter-${k}`, "tall"), {
    type: "scatter",
    data: { datasets: segs.map((s, i) => ({ label: s.label, backgroundColor: SEG_COLORS[i % SEG_COLORS.length] + "b0", pointRadius: 2.2,
      data: b.points.filter(p => p[3] === i).map(p => ({ x: p[0], y: Math.max(1, p[2]), m: p[2], f: p[1] })) })) },
    options: { scales: { x: axis("recency (days since the last order)", int, { beginAtZero: true }),
      y: axis(inCur("monetary, log scale"), null, { type: "logarithmic", min: 1, ticks: logTicks }) },
      plugins: { tooltip: { callbacks: { label: c => `${c.dataset.label}: ${int(c.raw.x)} days, ${int(c.raw.f)} orders, ${money(c.raw.m)}` } } } },
  });

  const wrap = div(part, "scroll");
  const t = document.createElement("table");
  t.id = `rfm-table-${k}`;
  t.className = "rfm-table";
  wrap.appendChild(t);
  const opt = f => v => v === null ? "" : f(v);
  renderTable(t.id, ["segment", "customers", "share", inCur("monetary"), inCur("avg monetary"), "revenue share", "median recency", "median frequency", inCur("median monetary"), "recommendation"],
    segs.map(s => [s.label, s.customers, s.share, fix(s.monetary), fix(s.avg_monetary), s.revenue_share, s.median_recency, s.median_frequency, s.median_monetary === null ? null : fix(s.median_monetary), s.action]),
    ["l", int, pct, amount, amount, pct, opt(String), opt(String), opt(amount), "w"]);
}

function kmeansPictures(box) {
  const part = div(box, "", "kmeans");
  const h = document.createElement("h3");
  h.id = "kmeans-title";
  h.textContent = `k-means: ${KM.k} clusters of ${int(KM.rows)} customers over ${KM.features.join(", ")}${KM.log1p ? " (log1p)" : ""}, inertia ${KM.inertia} (crm-kmeans)`;
  part.appendChild(h);
  div(part, "note").textContent = "Clusters are of the customer table crm-kmeans read, every brand together; the Brand selector moves the RFM sections above only.";
  const grid = div(part, "grid");
  const fi = KM.features.indexOf("recency"), mi = KM.features.indexOf("monetary");
  const xi = fi >= 0 ? fi : 0, yi = mi >= 0 ? mi : Math.min(1, KM.features.length - 1);
  const isMoney = f => f === "monetary";
  // A feature's axis title with its unit.
  const unit = { recency: "recency (days since the last order)", frequency: "frequency (orders)" };
  const title = (f, log) => isMoney(f) ? inCur(f + (log ? ", log scale" : "")) : unit[f] || f;
  chart(panel(grid, `${KM.features[xi]} and ${KM.features[yi]} by cluster (${int(KM.points.length)} sampled)`, "kmeans-scatter", "tall"), {
    type: "scatter",
    data: { datasets: KM.clusters.map((c, i) => ({ label: `${c.cluster} ${c.name} (${pct(c.share)})`, backgroundColor: CL_COLORS[i % CL_COLORS.length] + "b0", pointRadius: 2.2,
      data: KM.points.filter(p => p[p.length - 1] === c.cluster).map(p => ({ x: p[xi], y: isMoney(KM.features[yi]) ? Math.max(1, p[yi]) : p[yi], v: p[yi] })) })) },
    options: { scales: { x: axis(title(KM.features[xi]), compact, { beginAtZero: true }),
      y: axis(title(KM.features[yi], true), compact, isMoney(KM.features[yi]) ? { type: "logarithmic", min: 1, ticks: logTicks } : { beginAtZero: true }) },
      plugins: { tooltip: { callbacks: { label: c => `${c.dataset.label}: ${KM.features[xi]} ${c.raw.x}, ${KM.features[yi]} ${c.raw.v}` } } } },
  });
  if (KM.elbow.length) {
    // Inertia and silhouette differ in scale and unit: one axis each.
    chart(panel(grid, "Elbow: inertia and silhouette by k", "kmeans-elbow"), {
      type: "line",
      data: { labels: KM.elbow.map(e => e.k), datasets: [
        { label: "inertia", data: KM.elbow.map(e => e.inertia), yAxisID: "y", borderColor: "#2c3e73", backgroundColor: "#2c3e73" },
        { label: "silhouette", data: KM.elbow.map(e => e.silhouette), yAxisID: "y1", borderColor: "#d4a72c", backgroundColor: "#d4a72c" },
      ] },
      options: { scales: { x: axis("k, the number of clusters"),
        y: axis("inertia (sum of squared distances)", compact, { beginAtZero: true }),
        y1: axis("silhouette (-1 to 1)", null, { position: "right", min: Math.min(0, ...KM.elbow.map(e => e.silhouette)), max: 1, grid: { drawOnChartArea: false } }) },
        plugins: { tooltip: tips(v => String(v), items => items.length ? `k = ${items[0].label}` : "") } },
    });
  }
  const wrap = div(part, "scroll");
  const t = document.createElement("table");
  t.id = "kmeans-table";
  wrap.appendChild(t);
  const head = ["cluster", "name", "customers", "share"].concat(KM.features.flatMap(f => [`mean ${f}`, `median ${f}`]));
  renderTable("kmeans-table", head, KM.clusters.map(c => [c.cluster, c.name, c.customers, c.share].concat(KM.features.flatMap(f => [c.mean[f], c.median[f]]))),
    [int, "l", int, pct].concat(KM.features.flatMap(() => [v => esc(v), v => esc(v)])));
}

// start draws the page chosen by the address, once every script has
// added its pages.
function start() {
  for (const p of PAGES) if (!$("page-" + p.id)) p.make();
  readHash();
  fillSelectors();
  exportButton("tiers-csv", "tiers", () => `tiers-${sel.brand || "all"}-${sel.month}.csv`);
  exportButton("risk-csv", "risk", () => `at-risk-${sel.brand || "all"}.csv`);
  render();
  // A link to another selection of this page (a bookmark, the back button).
  window.addEventListener("hashchange", () => {
    readHash();
    $("brand").value = sel.brand;
    $("month").value = sel.month;
    render();
  });
  document.body.dataset.renderMs = performance.now().toFixed(1);
}
