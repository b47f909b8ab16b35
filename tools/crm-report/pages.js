"use strict";
// The pages of further documents, each shown when its document is given:
// value (crm-clv --json), model (crm-model eval) and targeting
// (crm-target --json). They draw with the helpers of dashboard.js.
const VALUE = doc("crm-value");
const MODEL = doc("crm-model");
const TARGET = doc("crm-target");
// The currency of a document's amounts; XXX (ISO 4217's "none") shows none.
const curOf = c => c && c !== "XXX" ? c : "";
// moneyIn: a formatter of amounts in currency C, fixed when a chart is drawn.
const moneyIn = c => n => amount(n) + (c ? " " + c : "");
const num = (n, d) => n === null || n === undefined ? "" : Number(n).toLocaleString("en-US", { maximumFractionDigits: d === undefined ? 2 : d });
const SCORER_COLORS = ["#2c3e73", "#d4a72c", "#5a9e6f", "#c0392b", "#8e24aa", "#7d8b99", "#2c7fb8"];

// makePage adds the page ID, following the selectors USES, before the
// rules page.
function makePage(id, uses, html) {
  const d = document.createElement("div");
  d.className = "page";
  d.id = "page-" + id;
  d.dataset.uses = uses;
  d.hidden = true;
  d.innerHTML = html;
  $("page-rules").before(d);
}
// clear destroys the charts under BOX and empties it.
function clear(box) {
  for (const c of box.querySelectorAll("canvas")) { const ch = Chart.getChart(c); if (ch) ch.destroy(); }
  box.innerHTML = "";
}
function table(box, id) {
  const t = document.createElement("table");
  t.id = id;
  div(box, "scroll").appendChild(t);
  return id;
}

PAGES.splice(PAGES.length - 1, 0,
  { id: "value", title: "Value", when: () => VALUE, brands: () => [], draw: renderValuePage,
    make: () => makePage("value", "", '<div class="cards" id="value-kpis"></div><p class="note" id="value-note"></p><div id="value-body"></div>') },
  { id: "model", title: "Model", when: () => MODEL, brands: () => [], draw: renderModelPage,
    make: () => makePage("model", "", '<div class="cards" id="model-kpis"></div><p class="note" id="model-note"></p><div id="model-body"></div>') },
  { id: "targeting", title: "Targeting", when: () => TARGET, brands: () => TARGET.brands.map(b => b.brand).filter(Boolean), draw: renderTargetPage,
    make: () => makePage("targeting", "brand", '<p class="note" id="target-note"></p><div id="target-body"></div>') });

// ---- value: customer lifetime value (crm-clv --json) ----

// clvDistribution: per row (a tier or segment), the 10th-90th and
// 25th-75th percentile of CLV as floating bars, the median and the mean as
// marks; the mean alone when the document has no quantiles.
function clvDistribution(id, rows, what, m) {
  const q = r => r.clv_quantiles && r.clv_quantiles.length === 5 ? r.clv_quantiles : null;
  const datasets = [];
  if (rows.some(q)) {
    datasets.push(
      { label: "10th to 90th percentile", data: rows.map(r => q(r) ? [q(r)[0], q(r)[4]] : null), backgroundColor: "#b9c7d8", grouped: false, barPercentage: 0.8, order: 3 },
      { label: "25th to 75th percentile", data: rows.map(r => q(r) ? [q(r)[1], q(r)[3]] : null), backgroundColor: "#4a6fb5", grouped: false, barPercentage: 0.45, order: 2 },
      { type: "line", label: "median", data: rows.map(r => q(r) ? q(r)[2] : null), showLine: false, pointStyle: "line", pointRadius: 12, pointBorderWidth: 3, borderColor: "#d4a72c", backgroundColor: "#d4a72c", order: 1 });
  }
  datasets.push({ type: "line", label: "mean", data: rows.map(r => r.clv_mean), showLine: false, pointStyle: "crossRot", pointRadius: 6, pointBorderWidth: 2, borderColor: "#c0392b", backgroundColor: "#c0392b", order: 0 });
  return chart(id, {
    type: "bar",
    data: { labels: rows.map(r => r.label), datasets },
    options: { scales: { x: axis(what), y: axis(inCur(`CLV, next ${VALUE.horizon_months} months`), compact, { beginAtZero: true }) },
      plugins: { tooltip: { callbacks: { label: c => Array.isArray(c.raw) ? `${c.dataset.label}: ${m(c.raw[0])} to ${m(c.raw[1])}` : `${c.dataset.label}: ${m(c.raw)}`,
        afterBody: items => items.length ? `${int(rows[items[0].dataIndex].customers)} customers, P(alive) ${pct(rows[items[0].dataIndex].p_alive_mean)}` : "" } } } },
  });
}

function renderValuePage() {
  const V = VALUE;
  CUR = curOf(V.currency);
  const m = moneyIn(CUR);
  const h = V.holdout;
  $("value-kpis").innerHTML =
    card("clv-customers", "Customers valued", V.customers, int(V.customers), `as of ${V.as_of}`) +
    card("clv_total", `Value, next ${V.horizon_months} months`, V.clv_total, m(V.clv_total), `discount rate ${V.discount_rate}`) +
    card("p_alive_mean", "Mean P(alive)", V.p_alive_mean, pct(V.p_alive_mean), "probability a customer still buys") +
    card("exp_purchases_total", "Expected purchases", V.exp_purchases_total, num(V.exp_purchases_total), `next ${V.horizon_months} months`) +
    (h ? card("holdout", "Holdout purchases", h.purchases.actual, int(h.purchases.actual), `${num(h.purchases.predicted)} predicted (${h.from} to ${h.to})`) : "");
  $("value-note").textContent = `Customer lifetime value by the ${V.model} model (crm-clv), time unit ${V.time_unit}` +
    (V.calibration_end ? `, fitted to ${V.calibration_end} and checked against the holdout after it` : "") +
    `. ${CUR ? `Amounts in ${CUR}.` : "No currency set (money.currency)."} The document covers every customer: no brand sections, no month.`;
  const box = $("value-body");
  clear(box);
  const grid = div(box, "grid");
  clvDistribution(panel(grid, "CLV distribution by value tier", "value-tiers", "tall"), V.by_tier, "value tier", m);
  clvDistribution(panel(grid, "CLV distribution by RFM segment", "value-segments", "tall"), V.by_segment, "RFM segment", m);

  // P(alive) by frequency and recency: one cell per x and t_x.
  const G = V.p_alive_grid, cells = [];
  G.x.forEach((x, i) => G.t_x.forEach((t, j) => cells.push({ x: j + 1, y: i + 1, v: G.p_alive[i][j], fx: x, tx: t })));
  heatGrid(panel(grid, `P(alive) by repeat purchases and time of the last one (T = ${G.T} ${V.time_unit}s)`, "value-palive", "xtall"), cells, {
    nx: G.t_x.length, ny: G.x.length, label: "P(alive)", legend: "P(alive), % (darker: more likely alive)", shade: v => v,
    xTitle: `time of the last purchase, t_x (${V.time_unit}s after the first)`, yTitle: "repeat purchases, x",
    xTick: v => num(G.t_x[v - 1], 1), yTick: v => String(G.x[v - 1]), format: v => (v * 100).toFixed(0),
    tip: c => `x ${c.fx}, t_x ${num(c.tx, 4)}: P(alive) ${pct(c.v)}`,
  });

  const T = V.tracking;
  chart(panel(grid, "Tracking: cumulative repeat purchases, actual and expected", "value-tracking", "tall"), {
    type: "line",
    data: { labels: T.months, datasets: [
      { label: "actual", data: T.actual, borderColor: "#2c3e73", backgroundColor: "#2c3e73", pointRadius: 2 },
      { label: "expected by the model", data: T.expected, borderColor: "#d4a72c", backgroundColor: "#d4a72c", borderDash: [6, 3], pointRadius: 2 },
    ] },
    options: { scales: { x: axis(V.calibration_end ? `month (calibration ends ${V.calibration_end})` : "month", null, { ticks: timeTicks() }),
      y: axis("cumulative repeat purchases", compact, { beginAtZero: true }) },
      plugins: { tooltip: tips(v => num(v)) } },
  });
  if (h && h.by_frequency) {
    const bf = h.by_frequency;
    chart(panel(grid, `Calibration against holdout: mean purchases from ${h.from} to ${h.to}`, "value-holdout", "tall"), {
      type: "bar",
      data: { labels: bf.map(r => String(r.x)), datasets: [
        { label: "actual", data: bf.map(r => r.actual), backgroundColor: "#2c3e73" },
        { label: "predicted", data: bf.map(r => r.predicted), backgroundColor: "#d4a72c" },
      ] },
      options: { scales: { x: axis("repeat purchases in the calibration period"), y: axis(`mean purchases in the holdout (${h.length} ${V.time_unit}s)`, null, { beginAtZero: true }) },
        plugins: { tooltip: tips(v => num(v, 4), items => items.length ? `x = ${bf[items[0].dataIndex].x}: ${int(bf[items[0].dataIndex].customers)} customers` : "") } },
    });
  }
  const head = ["", "customers", inCur("CLV sum"), inCur("CLV mean"), "mean P(alive)", "10th pct", "25th pct", "median", "75th pct", "90th pct"];
  const rows = list => list.map(r => [r.label, r.customers, r.clv_sum, r.clv_mean, r.p_alive_mean].concat(r.clv_quantiles.length === 5 ? r.clv_quantiles : ["", "", "", "", ""]));
  const opt = f => v => v === "" ? "" : f(v);
  const shown = ["l", int, amount, amount, pct, opt(amount), opt(amount), opt(amount), opt(amount), opt(amount)];
  for (const [name, list, id] of [["value tier", V.by_tier, "value-tier-table"], ["RFM segment", V.by_segment, "value-segment-table"]]) {
    const s = document.createElement("section");
    s.innerHTML = `<h2>CLV by ${name}</h2>`;
    box.appendChild(s);
    renderTable(table(s, id), [name].concat(head.slice(1)), rows(list), shown);
  }
}

// ---- model: evaluation against baselines (crm-model eval) ----

function renderModelPage() {
  const M = MODEL, sc = M.scorers, r = M.rows, e = M.economics;
  CUR = curOf((series() || {}).currency);
  const m = moneyIn(CUR);
  const main = sc[0];
  $("model-kpis").innerHTML =
    card("auc", `AUC, ${main.name}`, main.auc, num(main.auc, 4), `best baseline ${num(Math.max(...sc.slice(1).map(s => s.auc)), 4)}`) +
    card("pr_auc", `PR AUC, ${main.name}`, main.pr_auc, num(main.pr_auc, 4), `base rate ${pct(r.base_rate)}`) +
    card("brier", `Brier score, ${main.name}`, main.brier, main.brier === null ? "-" : num(main.brier, 4), "lower is better") +
    card("evaluated", "Rows evaluated", r.evaluated, int(r.evaluated), `${int(r.positives)} positive (${M.target}), ${r.from} to ${r.to}`) +
    (main.best_profit ? card("profit", "Best campaign profit", main.best_profit.profit, m(main.best_profit.profit), `${int(main.best_profit.contacts)} contacts, threshold ${num(main.best_profit.threshold, 4)}`) : "");
  $("model-note").textContent = `Target ${M.target}; ${int(r.evaluated)} of ${int(r.input)} rows evaluated${r.holdout ? " (the holdout after training)" : ""}, ` +
    `${sc.length} scorers: ${sc.map(s => `${s.name} (${s.kind})`).join(", ")}. A contact costs ${m(e.contact_cost)} and saves ${m(e.saved_value)}; ` +
    `it pays from a probability of ${num(e.break_even_p, 4)}.`;
  const box = $("model-body");
  clear(box);
  const grid = div(box, "grid");
  const color = i => SCORER_COLORS[i % SCORER_COLORS.length];
  const metrics = [["auc", "AUC"], ["pr_auc", "PR AUC"], ["brier", "Brier (lower is better)"]];
  chart(panel(grid, "Model and baselines: AUC, PR AUC, Brier score", "model-metrics", "tall"), {
    type: "bar",
    data: { labels: sc.map(s => s.name), datasets: metrics.map(([k, l], i) => ({ label: l, data: sc.map(s => s[k]), backgroundColor: ["#2c3e73", "#4a6fb5", "#d4a72c"][i] })) },
    options: { scales: { x: axis("scorer"), y: axis("metric (0 to 1)", null, { beginAtZero: true, max: 1 }) },
      plugins: { tooltip: tips(v => v === null ? "none" : num(v, 6), items => items.length ? `${sc[items[0].dataIndex].name}: ${sc[items[0].dataIndex].kind}` : "") } },
  });
  chart(panel(grid, "Cumulative gains: churners reached by the share contacted", "model-gains", "tall"), {
    type: "line",
    data: { datasets: sc.map((s, i) => ({ label: s.name, data: [{ x: 0, y: 0 }].concat(s.gains_curve.map(g => ({ x: g.top, y: g.gains }))), borderColor: color(i), backgroundColor: color(i), pointRadius: 1.5 }))
      .concat([{ label: "random", data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], borderColor: "#999", borderDash: [4, 4], pointRadius: 0 }]) },
    options: { scales: { x: axis("share of rows contacted, highest score first (%)", v => (v * 100).toFixed(0) + "%", { type: "linear", min: 0, max: 1 }),
      y: axis("share of positives reached (%)", v => (v * 100).toFixed(0) + "%", { min: 0, max: 1 }) },
      plugins: { tooltip: { callbacks: { label: c => `${c.dataset.label}: top ${pct(c.raw.x)} reach ${pct(c.raw.y)}` } } } },
  });
  const tops = sc[0].lift.map(l => l.top);
  chart(panel(grid, "Lift in the top of the ranking", "model-lift", "tall"), {
    type: "bar",
    data: { labels: tops.map(t => `top ${(t * 100).toFixed(0)}%`), datasets: sc.map((s, i) => ({ label: s.name, data: tops.map(t => (s.lift.find(l => l.top === t) || { lift: null }).lift), backgroundColor: color(i) })) },
    options: { scales: { x: axis("rows contacted, highest score first"), y: axis("lift (times the base rate)", null, { beginAtZero: true }) },
      plugins: { tooltip: tips(v => num(v, 4) + "x") } },
  });
  const cal = sc.map((s, i) => [s, i]).filter(([s]) => s.probability && s.calibration);
  chart(panel(grid, "Calibration: observed rate by decile of predicted probability", "model-calibration", "tall"), {
    type: "scatter",
    data: { datasets: cal.map(([s, i]) => ({ label: s.name, showLine: true, borderColor: color(i), backgroundColor: color(i), pointRadius: 3,
      data: s.calibration.filter(c => c.mean_p !== null && c.rate !== null).map(c => ({ x: c.mean_p, y: c.rate, rows: c.rows, decile: c.decile })) }))
      .concat([{ label: "perfectly calibrated", data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], showLine: true, borderColor: "#999", borderDash: [4, 4], pointRadius: 0 }]) },
    options: { scales: { x: axis("mean predicted probability", null, { min: 0, max: 1 }), y: axis("observed rate", null, { min: 0, max: 1 }) },
      plugins: { tooltip: { callbacks: { label: c => c.raw.decile ? `${c.dataset.label}, decile ${c.raw.decile} (${int(c.raw.rows)} rows): predicted ${num(c.raw.x, 4)}, observed ${num(c.raw.y, 4)}` : c.dataset.label } } } },
  });
  if (M.card && M.card.importance && M.card.importance.length) {
    const imp = M.card.importance;
    chart(panel(grid, `Feature importance of the model (gain)`, "model-importance", "tall"), {
      type: "bar",
      data: { labels: imp.map(f => f.feature), datasets: [{ label: "gain", data: imp.map(f => f.gain), backgroundColor: "#4a6fb5" }] },
      options: { indexAxis: "y", scales: { x: axis("mean gain per split", compact, { beginAtZero: true }), y: axis("feature") }, plugins: { tooltip: tips(v => num(v, 4)) } },
    });
  }
  const s = document.createElement("section");
  s.innerHTML = "<h2>Scorers</h2>";
  box.appendChild(s);
  renderTable(table(s, "model-table"), ["scorer", "kind", "AUC", "PR AUC", "Brier", "best threshold", "contacts", "positives reached", inCur("profit")],
    sc.map(x => [x.name, x.kind, x.auc, x.pr_auc, x.brier === null ? "-" : x.brier, x.best_profit.threshold, x.best_profit.contacts, x.best_profit.churners_reached, x.best_profit.profit]),
    ["l", "l", v => num(v, 4), v => num(v, 4), v => num(v, 4), v => num(v, 4), int, int, amount]);
}

// ---- targeting: the campaign plan (crm-target --json) ----

function renderTargetPage() {
  const T = TARGET;
  const bs = sel.brand ? T.brands.filter(b => b.brand === sel.brand) : T.brands;
  $("target-note").textContent = `Campaign targeting as of ${T.as_of || "each customer's latest score"} (crm-target, ${T.method} allocation, churn probability from ${T.p_source}), ` +
    (sel.brand ? `brand ${sel.brand}.` : `every brand: ${T.brands.length} brand sections, each with its own budget.`);
  const box = $("target-body");
  clear(box);
  bs.forEach((b, k) => targetPictures(box, b, k));
}

function targetPictures(box, b, k) {
  const cur = curOf(b.currency), m = moneyIn(cur);
  CUR = cur;
  const part = div(box, "target-brand", `target-${k}`);
  part.dataset.brand = b.brand || "";
  const h = document.createElement("h3");
  h.textContent = b.brand ? `Brand ${b.brand}` : "All customers";
  part.appendChild(h);
  const cards = div(part, "cards");
  cards.innerHTML =
    card(`t${k}-budget`, "Budget", b.budget, b.budget === null ? "none" : m(b.budget), b.budget === null ? `every worthwhile offer: ${m(b.spend)} spent` : `${m(b.spend)} spent`) +
    card(`t${k}-profit`, "Expected profit", b.expected_profit, m(b.expected_profit), `LP bound ${m(b.lp_bound)}`) +
    card(`t${k}-roi`, "Return on spend", b.roi, num(b.roi, 2) + "x", `${m(b.value_saved)} value saved`) +
    card(`t${k}-targeted`, "Customers targeted", b.targeted, int(b.targeted), `of ${int(b.candidates)} candidates, ${int(b.customers)} customers`);
  const grid = div(part, "grid three");
  chart(panel(grid, "Budget curve: expected profit by budget", `target-curve-${k}`), {
    type: "line",
    data: { datasets: [
      { label: "expected profit", data: b.curve.map(c => ({ x: c.budget, y: c.expected_profit, spend: c.spend })), borderColor: "#2c3e73", backgroundColor: "#2c3e73", pointRadius: 2 },
      { label: "LP bound", data: b.curve.map(c => ({ x: c.budget, y: c.lp_bound })), borderColor: "#d4a72c", backgroundColor: "#d4a72c", borderDash: [6, 3], pointRadius: 0 },
    ] },
    options: { scales: { x: axis(inCur("budget"), compact, { type: "linear", min: 0 }), y: axis(inCur("expected profit"), compact, { beginAtZero: true }) },
      plugins: { tooltip: { callbacks: { label: c => `${c.dataset.label} at a budget of ${m(c.raw.x)}: ${m(c.raw.y)}${c.raw.spend !== undefined ? ` (${m(c.raw.spend)} spent)` : ""}` } } } },
  });
  const tiers = b.campaigns.length ? b.campaigns[0].by_tier.map(t => t.tier) : [];
  chart(panel(grid, "Campaign mix by tier", `target-mix-${k}`), {
    type: "bar",
    data: { labels: tiers, datasets: b.campaigns.map((c, i) => ({ label: c.name, data: tiers.map(t => (c.by_tier.find(x => x.tier === t) || { targeted: 0 }).targeted), backgroundColor: SCORER_COLORS[i % SCORER_COLORS.length] })) },
    options: { scales: { x: axis("value tier", null, { stacked: true }), y: axis("customers targeted", null, { stacked: true, beginAtZero: true, ticks: { precision: 0 } }) },
      plugins: { tooltip: tips(v => `${int(v)} customers`) } },
  });
  const policies = [{ policy: `plan (${TARGET.method})`, expected_profit: b.expected_profit, targeted: b.targeted, spend: b.spend, gain: 0 }].concat(b.baselines);
  const pname = p => p.policy + (p.tier ? ` (${p.tier})` : "");
  chart(panel(grid, (b.budget === null ? `Gains over baselines at the plan's spend of ${m(b.spend)}` : `Gains over baselines at a budget of ${m(b.budget)}`), `target-gains-${k}`), {
    type: "bar",
    data: { labels: policies.map(pname), datasets: [{ label: "expected profit", data: policies.map(p => p.expected_profit), backgroundColor: policies.map((p, i) => i ? "#8fa3bf" : "#2c3e73") }] },
    options: { scales: { x: axis("policy"), y: axis(inCur("expected profit"), compact, { beginAtZero: true }) },
      plugins: { tooltip: { callbacks: { label: c => { const p = policies[c.dataIndex]; return `${m(p.expected_profit)}, ${int(p.targeted)} targeted, ${m(p.spend)} spent` + (c.dataIndex ? `; the plan gains ${m(p.gain)}` : ""); } } } } },
  });
  const s = document.createElement("section");
  s.className = "target-list";
  s.innerHTML = `<button id="target-csv-${k}">Export CSV</button><h2>Customers to contact, ${int(b.targets.length)}, best first</h2>`;
  part.appendChild(s);
  renderTable(table(s, `target-table-${k}`), ["rank", "customer", "campaign", "tier", "segment", "P(churn)", inCur("CLV"), inCur("cost"), inCur("expected profit")],
    b.targets.map(t => [t.rank, t.customer_id, t.campaign, t.tier, t.segment === null ? "" : t.segment, t.p_churn, t.clv, t.cost, t.expected_profit]),
    [int, "l", "l", "l", "l", v => num(v, 4), amount, amount, amount]);
  exportButton(`target-csv-${k}`, `target-table-${k}`, () => `targets-${b.brand || "all"}-${TARGET.as_of || "latest"}.csv`);
}
