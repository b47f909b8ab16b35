// The dashboard in a real browser (Debian's chromium driven by
// playwright-core). The figures each chart draws are read from its Chart.js
// object (Chart.getChart(canvas).data) and compared with the JSON for
// several selections of brand and month; so are the KPI cards and tables.
// Every chart has titled axes and a legend; the CSV exports hold the
// tables' figures with formula-leading cells neutralised; the rules page
// names every key; no page scrolls sideways at 390 px; every page is
// photographed at 1400 and 390 px into OUTDIR (PAGE-1400.png,
// PAGE-390.png). With --rfm and --kmeans documents, the segments page
// draws their figures for all brands and for one.
// Usage: node browser.js DASHBOARD.html DOC.json OUTDIR [--rfm F] [--kmeans F]
//        [--value F] [--model F] [--target F]
const { chromium } = require('playwright-core');
const fs = require('fs');
const path = require('path');
const [page_path, doc_path, outdir, ...rest] = process.argv.slice(2);
const docs = {};
for (let i = 0; i + 1 < rest.length; i += 2) docs[rest[i].replace(/^--/, '')] = JSON.parse(fs.readFileSync(rest[i + 1], 'utf8'));
const D = JSON.parse(fs.readFileSync(doc_path, 'utf8'));
const RFM = docs.rfm || null, KM = docs.kmeans || null;
const VALUE = docs.value || null, MODEL = docs.model || null, TARGET = docs.target || null;
let failed = 0;
function check(name, ok, detail) {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}${ok || detail === undefined ? '' : ': ' + detail}`);
  if (!ok) failed++;
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const DEC = Number(D.rules.keys.find(k => k.key === 'money.decimals').value);
const fix = n => Number(n).toFixed(DEC);
// The CSV cell as the export must write it, stated independently of the
// page: plain numbers bare, other text quoted, a formula-leading one
// (= + - @ tab CR) behind a single quote (OWASP, CSV injection).
const csvCell = v => {
  const s = String(v);
  if (s === '' || /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/.test(s)) return s;
  return '"' + ('=+-@\t\r'.includes(s[0]) ? "'" : '') + s.split('"').join('""') + '"';
};
const tiersOf = s => s.tiers || D.tiers;
const last12 = (s, i) => s.months.slice(Math.max(0, i - 11), i + 1);

// chartOf: what the Chart.js chart on canvas ID holds: its labels, its
// datasets' labels and data, the titles of its scales, its legend.
async function chartOf(page, id) {
  return page.evaluate(id => {
    const c = Chart.getChart(document.getElementById(id));
    if (!c) return null;
    const scales = {};
    for (const [k, s] of Object.entries(c.options.scales || {}))
      scales[k] = { title: s.title && s.title.display ? s.title.text : '', type: s.type, position: s.position };
    return { type: c.config.type, labels: c.data.labels, scales, legend: c.options.plugins.legend.display !== false,
      tooltip: c.options.plugins.tooltip.enabled !== false,
      datasets: c.data.datasets.map(d => ({ label: d.label, data: d.data, axis: d.yAxisID })) };
  }, id);
}
const dataOf = (ch, k) => ch ? ch.datasets[k].data : null;

// Every chart on the page shown: drawn, a legend, tooltips, and a title on
// each of its axes.
async function chartsLabelled(page, what) {
  const ids = await page.$$eval('.page:not([hidden]) canvas', cs => cs.map(c => c.id));
  const bad = [];
  for (const id of ids) {
    const ch = await chartOf(page, id);
    if (!ch) { bad.push(`${id}: no chart`); continue; }
    if (!ch.legend || !ch.tooltip) bad.push(`${id}: no legend or tooltips`);
    for (const [k, s] of Object.entries(ch.scales))
      if (ch.type !== 'doughnut' && !s.title) bad.push(`${id}: axis ${k} untitled`);
  }
  check(`${what}: ${ids.length} charts, each with a legend, tooltips and titled axes`, ids.length > 0 && !bad.length, bad.join('; '));
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', e => errors.push(e.message));
  // Nothing outside the file is fetched.
  const fetched = [];
  page.on('request', r => { if (!r.url().startsWith('file:') && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) fetched.push(r.url()); });
  const url = 'file://' + path.resolve(page_path);
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'load' });
  const loadMs = Date.now() - t0;
  const pages = await page.$$eval('#pages a', as => as.map(a => a.dataset.page));
  const open = async (p, hash) => {
    await page.click(`#tab-${p}`);
    if (hash) await page.goto(url + hash, { waitUntil: 'load' });
    check(`the ${p} page is shown`, (await page.evaluate(() => document.body.dataset.page)) === p);
  };
  // Every page, at both widths; a phone-wide page does not scroll sideways.
  const photograph = async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, deviceScaleFactor: 1 });
    const p2 = await phone.newPage();
    p2.on('pageerror', e => errors.push(e.message));
    for (const p of pages) {
      await page.click(`#tab-${p}`);
      await page.screenshot({ path: path.join(outdir, `${p}-1400.png`), fullPage: true });
      await p2.goto(`${url}#page=${p}`, { waitUntil: 'load' });
      await p2.reload({ waitUntil: 'load' });
      const over = await p2.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(`${p} page: no sideways scrolling on a 390 px phone`, over <= 0, `${over} px too wide`);
      await p2.screenshot({ path: path.join(outdir, `${p}-390.png`), fullPage: true });
    }
    await phone.close();
  };
  const rulesChecks = async () => {
    await open('rules');
    const rules = await page.$$eval('#rules tbody tr', rs => rs.map(r => r.cells[0].dataset.value));
    check('the rules page shows every key', rules.length > 0 && same(rules, D.rules.keys.map(k => k.key)), `${rules.length} keys`);
    check('the rules fingerprint is shown', (await page.$eval('#rules-id', e => e.textContent).catch(() => '')) === D.rules.id);
  };

  if (!D.series[0].months.length) {
    // A document with no rows: no script error, a "no data" card, and the
    // rules in effect all the same.
    fs.writeFileSync(path.join(outdir, 'load.txt'), `load ${loadMs} ms, no rows\n`);
    const nodata = await page.$eval('#kpis', e => e.textContent).catch(() => '');
    check('the page says there is no data', /no data/i.test(nodata), nodata);
    const shown = await page.evaluate(() => ['signal-charts', 'tiers-section', 'risk-section'].map(id => document.getElementById(id).getBoundingClientRect().height));
    check('no empty charts, tier and risk tables', same(shown, [0, 0, 0]), JSON.stringify(shown));
    await rulesChecks();
    await photograph();
    check('no script errors', errors.length === 0, errors.join('; '));
    check('nothing fetched from outside the file', fetched.length === 0, fetched.join(' '));
    await browser.close();
    process.exit(failed ? 1 : 0);
  }
  await page.waitForSelector('#tiers tbody tr');
  const renderMs = await page.evaluate(() => document.body.dataset.renderMs);
  fs.writeFileSync(path.join(outdir, 'load.txt'), `load ${loadMs} ms, script done at ${renderMs} ms\n`);
  check('the pages are listed', same(pages, ['signals'].concat(RFM || KM ? ['segments'] : [], VALUE ? ['value'] : [], MODEL ? ['model'] : [],
    TARGET ? ['targeting'] : [], ['rules'])), JSON.stringify(pages));

  const kpi = async id => page.$eval(`#kpi-${id}`, e => e.dataset.value);
  const tierRows = async () => page.$$eval('#tiers tbody tr', rs => rs.map(r => [...r.cells].map(c => c.dataset.value)));
  const want = (s, m) => tiersOf(s).map(t => [t, m.tiers[t].customers, m.tiers[t].share, fix(m.tiers[t].value), m.tiers[t].value_share,
    fix(m.tiers[t].value_12m), m.tiers[t].at_risk, fix(m.tiers[t].value_at_risk)].map(String));
  // signalsEqual: the cards, the four charts and the tier table of brand B
  // (null: all) and month index I equal the document.
  const signalsEqual = async (b, i) => {
    const s = D.series.find(x => x.brand === b), m = s.months[i], ms = last12(s, i), what = `${b || 'all brands'} ${m.month}`;
    check(`selection ${what}`, (await page.evaluate(() => document.body.dataset.brand + ' ' + document.body.dataset.month)) === `${b || ''} ${m.month}`);
    const kpis = [await kpi('customers'), await kpi('active'), await kpi('value_12m'), await kpi('new'),
                  await kpi('share_at_risk'), await kpi('value_at_risk')].map(Number);
    check(`KPI cards equal the JSON (${what})`, same(kpis, [m.customers, m.active, m.value_12m, m.events.new,
          m.churn.share_at_risk, m.churn.value_at_risk]), JSON.stringify(kpis));
    const trend = await chartOf(page, 'trend');
    check(`tier trend chart equals the JSON (${what})`, trend && trend.labels.length === ms.length &&
          same(trend.datasets.map(d => d.label), tiersOf(s)) &&
          same(trend.datasets.map(d => d.data), tiersOf(s).map(t => ms.map(x => x.tiers[t].customers))), JSON.stringify(trend && trend.datasets[0]));
    const donut = await chartOf(page, 'donut');
    check(`tier mix chart equals the JSON (${what})`, donut && same(donut.labels, tiersOf(s)) &&
          same(dataOf(donut, 0), tiersOf(s).map(t => m.tiers[t].customers)), JSON.stringify(donut && donut.datasets));
    const ev = await chartOf(page, 'events');
    check(`lifecycle chart equals the JSON (${what})`, ev && same(ev.datasets.map(d => d.label), ['new', 'lost', 'reactivated']) &&
          same(ev.datasets.map(d => d.data), ['new', 'lost', 'reactivated'].map(k => ms.map(x => x.events[k]))));
    const val = await chartOf(page, 'value');
    check(`value chart equals the JSON, on two axes (${what})`, val && same(dataOf(val, 0), ms.map(x => x.value_12m)) &&
          same(dataOf(val, 1), ms.map(x => x.churn.share_at_risk)) && val.datasets[0].axis !== val.datasets[1].axis);
    const cur = s.currency && s.currency !== 'XXX' ? s.currency : '';
    check(`the value axis names the currency (${what})`, val && (cur ? val.scales.y.title.includes(`(${cur})`) : !/\([A-Z]{3}\)/.test(val.scales.y.title)), val && val.scales.y.title);
    const rows = await tierRows();
    check(`tier table equals the JSON (${what})`, same(rows.slice(0, tiersOf(s).length), want(s, m)));
    const inactiveRow = rows[tiersOf(s).length];
    check(`the inactive row is the series' tier.inactive (${s.inactive_tier || D.inactive_tier}) with the JSON's count (${what})`,
          same(inactiveRow.slice(0, 2), [s.inactive_tier || D.inactive_tier, String(m.inactive)]), JSON.stringify(inactiveRow));
  };

  // Default view: all brands, the latest month.
  const s0 = D.series[0], m0 = s0.months[s0.months.length - 1];
  await signalsEqual(s0.brand, s0.months.length - 1);
  await chartsLabelled(page, 'signals page');
  const shown = await page.$eval('#kpi-customers', e => e.textContent);
  check('the customers card reads as a person would', shown === m0.customers.toLocaleString('en-US'), shown);
  const note = await page.$eval('#period-note', e => e.textContent);
  const cur = s0.currency && s0.currency !== 'XXX' ? s0.currency : '';
  check('the period note names the as-of day', !D.input.as_of || note.includes(`to ${D.input.as_of}, the as-of day`), note);
  check('the period note says the last month is partial', !m0.partial || note.includes(`${m0.month} is partial: its figures cover ${m0.days} days`), note);
  check('the period note names the warm-up months', !s0.months.some(m => m.warmup) || note.includes('Warm-up month'), note);
  const v12 = await page.$eval('#kpi-value_12m', e => e.textContent);
  check('amounts carry the currency', cur ? v12.endsWith(' ' + cur) && note.includes(`Amounts in ${cur}.`) : !/[A-Z]{3}$/.test(v12), v12);
  const risk = await page.$$eval('#risk tbody tr', rs => rs.map(r => r.cells[r.cells.length - 5].dataset.value));
  check('at-risk list equals the JSON', same(risk, s0.at_risk.map(r => r.customer_id)), JSON.stringify(risk));
  const cells = await page.$$eval('#risk tbody tr', rs => rs.map(r => r.cells[r.cells.length - 5].textContent));
  check('customer ids show as written, markup and all', same(cells, s0.at_risk.map(r => r.customer_id)), JSON.stringify(cells));
  // The at-risk export: every customer id as the JSON has it, neutralised.
  const [dr] = await Promise.all([page.waitForEvent('download'), page.click('#risk-csv')]);
  const rcsv = fs.readFileSync(await dr.path(), 'utf8').split('\r\n');
  const idCol = D.input.brands.length ? 2 : 1;
  check('at-risk CSV export equals the list, cell by cell', rcsv.length === s0.at_risk.length + 2 &&
        s0.at_risk.every((r, k) => rcsv[k + 1].startsWith(`${r.rank},${idCol === 2 ? csvCell(r.brand) + ',' : ''}${csvCell(r.customer_id)},`)),
        rcsv.slice(0, 3).join(' | '));
  const hostile = s0.at_risk.filter(r => /^[=+\-@]/.test(r.customer_id));
  check(`at-risk CSV: ${hostile.length} formula-leading customer ids neutralised`,
        hostile.every(r => rcsv.some(l => l.includes(`,"'${r.customer_id.split('"').join('""')}",`))) &&
        !rcsv.some(l => /(^|,)[=+@]/.test(l) || /(^|,)-[^0-9]/.test(l)), rcsv.slice(0, 5).join(' | '));
  // The export's cell writer on the cells a TSV cannot carry (tab, CR).
  const probe = ['=1+2', '+1', '-1+2', '@SUM(A1)', '\tx', '\rx', '-12.50', '12', '0.5', 'a,b', 'say "hi"', '', 'plain'];
  const got = await page.evaluate(p => p.map(csvCell), probe);
  check('CSV cells: formula-leading text behind a quote, numbers bare', same(got, probe.map(csvCell)) &&
        same(got.slice(0, 6), ['"\'=1+2"', '"\'+1"', '"\'-1+2"', '"\'@SUM(A1)"', '"\'\tx"', '"\'\rx"']), JSON.stringify(got));

  // A brand and an earlier month, through the selectors; all brands and the
  // first month; the first brand and the latest month.
  if (D.input.brands.length) {
    const b = D.input.brands[D.input.brands.length - 1];
    const s = D.series.find(x => x.brand === b);
    const i = Math.max(0, s.months.length - 7), m = s.months[i];
    await page.selectOption('#brand', b);
    await page.selectOption('#month', m.month);
    await signalsEqual(b, i);
    // The tier table's CSV export holds the same figures.
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#tiers-csv')]);
    const csv = fs.readFileSync(await dl.path(), 'utf8');
    const head = ['tier', 'customers', 'share of active', 'value', 'value share', '12-month value', 'at risk', 'value at risk']
      .map(h => cur && /value/.test(h) && h !== 'value share' ? `${h} (${cur})` : h);
    const first = want(s, m).map(r => r.map(csvCell).join(','));
    check('tier CSV export equals the table', csv.startsWith([head.map(csvCell).join(','), ...first].join('\r\n') + '\r\n'), csv.slice(0, 300));
    check('tier CSV is named for the selection', dl.suggestedFilename() === `tiers-${b}-${m.month}.csv`, dl.suggestedFilename());
    const b1 = D.input.brands[0], s1 = D.series.find(x => x.brand === b1);
    await page.selectOption('#brand', b1);
    await page.selectOption('#month', s1.months[s1.months.length - 1].month);
    await signalsEqual(b1, s1.months.length - 1);
    await page.selectOption('#brand', '');
  }
  await page.selectOption('#month', s0.months[0].month);
  await signalsEqual(s0.brand, 0);
  await page.selectOption('#month', m0.month);

  // The segments page: every brand's RFM sections under "All brands", one
  // brand's when chosen; the month selector is not offered there.
  if (RFM || KM) {
    await open('segments');
    check('segments page: no month selector (segments are as of one day)', await page.$eval('#month-label', e => e.hidden));
    await chartsLabelled(page, 'segments page');
    const rfmEqual = async (bs, what) => {
      const blocks = await page.$$eval('.rfm-brand', ds => ds.map(d => d.dataset.brand));
      check(`RFM sections: ${what}`, same(blocks, bs.map(b => b.brand || '')), JSON.stringify(blocks));
      for (let k = 0; k < bs.length; k++) {
        const b = bs[k], name = b.brand || 'all';
        const bars = await chartOf(page, `rfm-bars-${k}`);
        check(`segment bars equal the RFM document (${name})`, bars && same(bars.labels, b.segments.map(x => x.label)) &&
              same(dataOf(bars, 0), b.segments.map(x => x.customers)), JSON.stringify(bars && dataOf(bars, 0)));
        const grid = await chartOf(page, `rfm-grid-${k}`);
        const cells = grid ? dataOf(grid, 0) : [];
        check(`R x F grid equals the document (${name})`, cells.length === b.bins * b.bins &&
              cells.every(c => b.grid[c.y - 1][c.x - 1][0] === c.v && b.grid[c.y - 1][c.x - 1][1] === c.m));
        const sc = await chartOf(page, `rfm-scatter-${k}`);
        check(`scatter draws every sampled customer in its segment (${name})`, sc &&
              same(sc.datasets.map(d => d.data.length), b.segments.map((x, i) => b.points.filter(p => p[3] === i).length)) &&
              sc.datasets.reduce((n, d) => n + d.data.length, 0) === b.points.length && sc.scales.y.type === 'logarithmic');
        const labels = await page.$$eval(`#rfm-table-${k} tbody tr`, rs => rs.map(r => r.cells[0].dataset.value));
        check(`segment table lists the segments in rule order (${name})`, same(labels, b.segments.map(x => x.label)));
        const note = await page.$eval(`#rfm-${k} .rfm-note`, e => e.textContent);
        check(`the RFM note counts the customers who returned more than they bought (${name})`,
              b.net_negative ? note.includes(`${b.net_negative.toLocaleString('en-US')} of them returned more`) : !note.includes('returned more'), note);
      }
    };
    if (RFM) {
      await rfmEqual(RFM.brands, `every brand (${RFM.brands.length})`);
      const named = RFM.brands.filter(b => b.brand);
      if (named.length) {
        const last = named[named.length - 1];
        await page.selectOption('#brand', last.brand);
        await rfmEqual([last], `the chosen brand (${last.brand})`);
        await page.selectOption('#brand', '');
      }
    }
    if (KM) {
      const sc = await chartOf(page, 'kmeans-scatter');
      check('cluster scatter draws every sampled row in its cluster', sc &&
            same(sc.datasets.map(d => d.data.length), KM.clusters.map(c => KM.points.filter(p => p[p.length - 1] === c.cluster).length)));
      if (KM.elbow.length) {
        const el = await chartOf(page, 'kmeans-elbow');
        check('elbow: inertia and silhouette by k, each on its own axis', el && same(el.labels, KM.elbow.map(e => e.k)) &&
              same(dataOf(el, 0), KM.elbow.map(e => e.inertia)) && same(dataOf(el, 1), KM.elbow.map(e => e.silhouette)) &&
              el.datasets[0].axis !== el.datasets[1].axis && el.scales.y.title !== el.scales.y1.title);
      }
      const cl = await page.$$eval('#kmeans-table tbody tr', rs => rs.map(r => r.cells[1].dataset.value + ':' + r.cells[2].dataset.value));
      check('cluster table equals the document', same(cl, KM.clusters.map(c => `${c.name}:${c.customers}`)), JSON.stringify(cl));
    }
  }

  // The value page: CLV distributions, the P(alive) grid, tracking and
  // holdout, from crm-clv's document.
  if (VALUE) {
    await open('value');
    await chartsLabelled(page, 'value page');
    check('value KPI: the CLV total', Number(await kpi('clv_total')) === VALUE.clv_total);
    for (const [id, rows] of [['value-tiers', VALUE.by_tier], ['value-segments', VALUE.by_segment]]) {
      const ch = await chartOf(page, id);
      const q = rows.map(r => r.clv_quantiles);
      const n = ch ? ch.datasets.length : 0;
      check(`${id}: percentile bars, median and mean equal the document`, ch && same(ch.labels, rows.map(r => r.label)) &&
            same(dataOf(ch, 0), q.map(x => x.length ? [x[0], x[4]] : null)) && same(dataOf(ch, 1), q.map(x => x.length ? [x[1], x[3]] : null)) &&
            same(dataOf(ch, 2), q.map(x => x.length ? x[2] : null)) && same(dataOf(ch, n - 1), rows.map(r => r.clv_mean)), JSON.stringify(ch && ch.datasets[0]));
    }
    const G = VALUE.p_alive_grid, grid = await chartOf(page, 'value-palive');
    const cells = grid ? dataOf(grid, 0) : [];
    check('P(alive) grid: a cell per x and t_x with the document\'s value', cells.length === G.x.length * G.t_x.length &&
          cells.every(c => G.p_alive[c.y - 1][c.x - 1] === c.v && G.x[c.y - 1] === c.fx && G.t_x[c.x - 1] === c.tx));
    const tr = await chartOf(page, 'value-tracking');
    check('tracking: actual and expected by month equal the document', tr && same(tr.labels, VALUE.tracking.months) &&
          same(dataOf(tr, 0), VALUE.tracking.actual) && same(dataOf(tr, 1), VALUE.tracking.expected));
    if (VALUE.holdout) {
      const ho = await chartOf(page, 'value-holdout'), bf = VALUE.holdout.by_frequency;
      check('calibration against holdout equals the document', ho && same(ho.labels, bf.map(r => String(r.x))) &&
            same(dataOf(ho, 0), bf.map(r => r.actual)) && same(dataOf(ho, 1), bf.map(r => r.predicted)));
    }
    const vt = await page.$$eval('#value-tier-table tbody tr', rs => rs.map(r => r.cells[0].dataset.value + ':' + r.cells[1].dataset.value));
    check('CLV by tier table equals the document', same(vt, VALUE.by_tier.map(r => `${r.label}:${r.customers}`)), JSON.stringify(vt));
  }
  // The model page: metrics beside the baselines, gains, lift, calibration.
  if (MODEL) {
    await open('model');
    await chartsLabelled(page, 'model page');
    const sc = MODEL.scorers;
    const mt = await chartOf(page, 'model-metrics');
    check('metrics: AUC, PR AUC and Brier of every scorer', mt && same(mt.labels, sc.map(x => x.name)) &&
          same(mt.datasets.map(d => d.data), ['auc', 'pr_auc', 'brier'].map(k => sc.map(x => x[k]))));
    const gn = await chartOf(page, 'model-gains');
    check('cumulative gains of every scorer equal the document', gn &&
          sc.every((x, i) => same(dataOf(gn, i).slice(1), x.gains_curve.map(g => ({ x: g.top, y: g.gains })))));
    const lf = await chartOf(page, 'model-lift'), tops = sc[0].lift.map(l => l.top);
    check('lift of every scorer at each top share', lf && sc.every((x, i) => same(dataOf(lf, i), tops.map(t => x.lift.find(l => l.top === t).lift))));
    const cal = await chartOf(page, 'model-calibration'), calib = sc.filter(x => x.probability && x.calibration);
    check('calibration: a curve per probability scorer, deciles with rows', cal && calib.every((x, i) => cal.datasets[i].label === x.name &&
          same(dataOf(cal, i).map(p => [p.decile, p.x, p.y]), x.calibration.filter(c => c.mean_p !== null).map(c => [c.decile, c.mean_p, c.rate]))));
    const mtab = await page.$$eval('#model-table tbody tr', rs => rs.map(r => r.cells[0].dataset.value + ':' + r.cells[2].dataset.value));
    check('scorer table equals the document', same(mtab, sc.map(x => `${x.name}:${x.auc}`)), JSON.stringify(mtab));
  }
  // The targeting page: every brand's plan, or the chosen brand's.
  if (TARGET) {
    await open('targeting');
    await chartsLabelled(page, 'targeting page');
    const targetEqual = async (bs, what) => {
      const blocks = await page.$$eval('.target-brand', ds => ds.map(d => d.dataset.brand));
      check(`targeting sections: ${what}`, same(blocks, bs.map(b => b.brand || '')), JSON.stringify(blocks));
      for (let k = 0; k < bs.length; k++) {
        const b = bs[k];
        const cv = await chartOf(page, `target-curve-${k}`);
        check(`budget curve equals the document (${b.brand})`, cv && same(dataOf(cv, 0).map(p => [p.x, p.y]), b.curve.map(c => [c.budget, c.expected_profit])) &&
              same(dataOf(cv, 1).map(p => [p.x, p.y]), b.curve.map(c => [c.budget, c.lp_bound])));
        const mx = await chartOf(page, `target-mix-${k}`), tiers = b.campaigns[0].by_tier.map(t => t.tier);
        check(`campaign mix by tier equals the document (${b.brand})`, mx && same(mx.labels, tiers) &&
              same(mx.datasets.map(d => [d.label, d.data]), b.campaigns.map(c => [c.name, tiers.map(t => c.by_tier.find(x => x.tier === t).targeted)])));
        const gn = await chartOf(page, `target-gains-${k}`);
        check(`gains over baselines equal the document (${b.brand})`, gn && same(dataOf(gn, 0), [b.expected_profit].concat(b.baselines.map(x => x.expected_profit))));
        const ids = await page.$$eval(`#target-table-${k} tbody tr`, rs => rs.map(r => r.cells[1].dataset.value));
        check(`the list to contact equals the document (${b.brand})`, same(ids, b.targets.map(t => t.customer_id)), JSON.stringify(ids.slice(0, 3)));
      }
    };
    await targetEqual(TARGET.brands, `every brand (${TARGET.brands.length})`);
    const b0 = TARGET.brands[0];
    const [dt] = await Promise.all([page.waitForEvent('download'), page.click('#target-csv-0')]);
    const tcsv = fs.readFileSync(await dt.path(), 'utf8').split('\r\n');
    check('target list CSV: every customer id, formula-leading ones neutralised', tcsv.length === b0.targets.length + 2 &&
          b0.targets.every((t, k) => tcsv[k + 1].startsWith(`${t.rank},${csvCell(t.customer_id)},${csvCell(t.campaign)},`)) &&
          !tcsv.some(l => /(^|,)[=+@]/.test(l)), tcsv.slice(0, 3).join(' | '));
    const last = TARGET.brands[TARGET.brands.length - 1];
    if (last.brand) {
      await page.selectOption('#brand', last.brand);
      await targetEqual([last], `the chosen brand (${last.brand})`);
      await page.selectOption('#brand', '');
    }
  }

  await rulesChecks();
  if (D.rules.brands.length) {
    const rb = D.rules.brands[D.rules.brands.length - 1];
    if (D.input.brands.includes(rb.brand)) {
      await page.selectOption('#brand', rb.brand);
      const keys = await page.$$eval('#rules tbody tr', rs => rs.map(r => r.cells[0].dataset.value + '=' + r.cells[1].dataset.value));
      check(`the rules page follows the brand (${rb.brand})`, same(keys, rb.keys.map(k => `${k.key}=${k.value}`)));
      await page.selectOption('#brand', '');
    }
  }

  // Opening with a hash selects.
  await page.goto(url + `#page=signals&brand=&month=${s0.months[0].month}`, { waitUntil: 'load' });
  check('the hash selects the month', (await page.evaluate(() => document.body.dataset.month)) === s0.months[0].month);
  await page.goto(url, { waitUntil: 'load' });
  await photograph();
  check('no script errors', errors.length === 0, errors.join('; '));
  check('nothing fetched from outside the file', fetched.length === 0, fetched.join(' '));
  await browser.close();
  process.exit(failed ? 1 : 0);
})().catch(e => { console.error(e); process.exit(1); });
