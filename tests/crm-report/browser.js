// The dashboard in a real browser (Debian's chromium driven by
// playwright-core): figures on the page equal the JSON for the default and
// a chosen brand and month, the CSV exports hold the table's figures, the
// rules section names every key, a phone-wide page does not scroll sideways;
// with crm-rfm and crm-kmeans documents, the segments page draws their
// figures; a document with no rows says so and still shows the rules.
// Usage: node browser.js DASHBOARD.html DOC.json OUTDIR [RFM.json KMEANS.json]
const { chromium } = require('playwright-core');
const fs = require('fs');
const path = require('path');
const [page_path, doc_path, outdir, rfm_path, km_path] = process.argv.slice(2);
const RFM = rfm_path ? JSON.parse(fs.readFileSync(rfm_path, 'utf8')) : null;
const KM = km_path ? JSON.parse(fs.readFileSync(km_path, 'utf8')) : null;
const D = JSON.parse(fs.readFileSync(doc_path, 'utf8'));
let failed = 0;
function check(name, ok, detail) {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}${ok || detail === undefined ? '' : ': ' + detail}`);
  if (!ok) failed++;
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const DEC = Number(D.rules.keys.find(k => k.key === 'money.decimals').value);
const fix = n => Number(n).toFixed(DEC);
const q = v => /[",\n]/.test(String(v)) ? '"' + String(v).replace(/"/g, '""') + '"' : String(v);

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', e => errors.push(e.message));
  const url = 'file://' + path.resolve(page_path);
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'load' });
  const loadMs = Date.now() - t0;
  if (!D.series[0].months.length) {
    // A document with no rows: no script error, a "no data" card, and the
    // rules in effect all the same.
    await page.waitForSelector('#kpis .card, #rules tbody tr', { timeout: 5000 }).catch(() => {});
    check('no script errors', errors.length === 0, errors.join('; '));
    fs.writeFileSync(path.join(outdir, 'load.txt'), `load ${loadMs} ms, no rows\n`);
    const nodata = await page.$eval('#kpis', e => e.textContent).catch(() => '');
    check('the page says there is no data', /no data/i.test(nodata), nodata);
    const rules = await page.$$eval('#rules tbody tr', rs => rs.map(r => r.cells[0].dataset.value));
    check('the rules section shows every key', rules.length > 0 && same(rules, D.rules.keys.map(k => k.key)), `${rules.length} keys`);
    check('the rules fingerprint is shown', (await page.$eval('#rules-id', e => e.textContent).catch(() => '')) === D.rules.id);
    const shown = await page.evaluate(() => [document.querySelector('main > .grid'), document.getElementById('tiers-section'),
      document.getElementById('risk-section')].map(e => e.getBoundingClientRect().height));
    check('no empty charts, tier and risk tables', same(shown, [0, 0, 0]), JSON.stringify(shown));
    await page.screenshot({ path: path.join(outdir, 'desktop.png'), fullPage: true });
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const p2 = await phone.newPage();
    await p2.goto(url, { waitUntil: 'load' });
    const over = await p2.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check('no sideways scrolling on a 390 px phone', over <= 0, `${over} px too wide`);
    await p2.screenshot({ path: path.join(outdir, 'phone.png'), fullPage: true });
    await browser.close();
    process.exit(failed ? 1 : 0);
  }
  await page.waitForSelector('#tiers tbody tr');
  check('no script errors', errors.length === 0, errors.join('; '));
  const renderMs = await page.evaluate(() => document.body.dataset.renderMs);
  fs.writeFileSync(path.join(outdir, 'load.txt'), `load ${loadMs} ms, script done at ${renderMs} ms\n`);

  // Default view: all brands, the latest month.
  const s0 = D.series[0], m0 = s0.months[s0.months.length - 1];
  const kpi = async id => page.$eval(`#kpi-${id}`, e => e.dataset.value);
  const kpis = [await kpi('customers'), await kpi('active'), await kpi('value_12m'), await kpi('new'),
                await kpi('share_at_risk'), await kpi('value_at_risk')].map(Number);
  check('KPI cards equal the JSON', same(kpis, [m0.customers, m0.active, m0.value_12m, m0.events.new,
        m0.churn.share_at_risk, m0.churn.value_at_risk]), JSON.stringify(kpis));
  const shown = await page.$eval('#kpi-customers', e => e.textContent);
  check('the customers card reads as a person would', shown === m0.customers.toLocaleString('en-US'), shown);
  // The period: the as-of day, a partial month, warm-up months, the currency.
  const note = await page.$eval('#period-note', e => e.textContent);
  const cur = s0.currency && s0.currency !== 'XXX' ? s0.currency : '';
  check('the period note names the as-of day', !D.input.as_of || note.includes(`to ${D.input.as_of}, the as-of day`), note);
  check('the period note says the last month is partial', !m0.partial || note.includes(`${m0.month} is partial: its figures cover ${m0.days} days`), note);
  check('the period note names the warm-up months', !s0.months.some(m => m.warmup) || note.includes('Warm-up month'), note);
  const v12 = await page.$eval('#kpi-value_12m', e => e.textContent);
  check('amounts carry the currency', cur ? v12.endsWith(' ' + cur) && note.includes(`Amounts in ${cur}.`) : !/[A-Z]{3}$/.test(v12), v12);
  const tierRows = async () => page.$$eval('#tiers tbody tr', rs => rs.map(r => [...r.cells].map(c => c.dataset.value)));
  // A series shows its brand's own tiers and inactive tier (crm-json's
  // series.tiers, series.inactive_tier).
  const tiersOf = s => s.tiers || D.tiers;
  const want = (s, m) => tiersOf(s).map(t => [t, m.tiers[t].customers, m.tiers[t].share, fix(m.tiers[t].value), m.tiers[t].value_share,
    fix(m.tiers[t].value_12m), m.tiers[t].at_risk, fix(m.tiers[t].value_at_risk)].map(String));
  check('tier table equals the JSON', same((await tierRows()).slice(0, tiersOf(s0).length), want(s0, m0)));
  const risk = await page.$$eval('#risk tbody tr', rs => rs.map(r => r.cells[r.cells.length - 5].dataset.value));
  check('at-risk list equals the JSON', same(risk, s0.at_risk.map(r => r.customer_id)), JSON.stringify(risk));
  const cells = await page.$$eval('#risk tbody tr', rs => rs.map(r => r.cells[r.cells.length - 5].textContent));
  check('customer ids show as written, markup and all', same(cells, s0.at_risk.map(r => r.customer_id)), JSON.stringify(cells));
  const svgs = await page.$$eval('main > .grid svg', v => v.map(s => s.querySelectorAll('rect,path').length));
  check('three charts drawn', svgs.length === 3 && svgs.every(n => n > 0), JSON.stringify(svgs));
  const rules = await page.$$eval('#rules tbody tr', rs => rs.map(r => r.cells[0].dataset.value));
  check('the rules section shows every key', same(rules, D.rules.keys.map(k => k.key)));
  check('the rules fingerprint is shown', (await page.$eval('#rules-id', e => e.textContent)) === D.rules.id);
  await page.screenshot({ path: path.join(outdir, 'desktop.png'), fullPage: true });

  // The segments page.
  const segShown = await page.$eval('#segments-section', e => !e.hidden);
  check(RFM || KM ? 'segments page shown' : 'no segments page without documents', segShown === !!(RFM || KM));
  if (RFM) {
    const rb = async () => page.$$eval('#rfm-bars rect', rs => rs.map(r => Number(r.dataset.customers)));
    const b0 = RFM.brands[0];
    check('segment bars equal the RFM document', same(await rb(), b0.segments.map(x => x.customers)), JSON.stringify(await rb()));
    const cells = await page.$$eval('#rfm-grid rect', rs => rs.map(r => [Number(r.dataset.r), Number(r.dataset.f), Number(r.dataset.customers)]));
    check('R x F grid equals the document', cells.length === b0.bins * b0.bins &&
          cells.every(([r, f, n]) => b0.grid[f - 1][r - 1][0] === n));
    check('scatter draws every sampled customer', (await page.$$eval('#rfm-scatter circle', c => c.length)) === b0.points.length);
    const note = await page.$eval('#rfm-note', e => e.textContent);
    check('the RFM note counts the customers who returned more than they bought',
          b0.net_negative ? note.includes(`${b0.net_negative.toLocaleString('en-US')} of them returned more`) : !note.includes('returned more'), note);
    const labels = await page.$$eval('#rfm-table tbody tr', rs => rs.map(r => r.cells[0].dataset.value));
    check('segment table lists the segments in rule order', same(labels, b0.segments.map(x => x.label)));
    if (RFM.brands.length > 1) {
      const last = RFM.brands[RFM.brands.length - 1];
      await page.selectOption('#brand', last.brand);
      check(`segment bars follow the brand (${last.brand})`, same(await rb(), last.segments.map(x => x.customers)));
      await page.selectOption('#brand', '');
    }
  }
  if (KM) {
    check('cluster scatter draws every sampled row', (await page.$$eval('#kmeans-scatter circle', c => c.length)) === KM.points.length);
    check('elbow curve has a point per k', (await page.$$eval('#kmeans-elbow .elbow-point', c => c.length)) === KM.elbow.length);
    const cl = await page.$$eval('#kmeans-table tbody tr', rs => rs.map(r => r.cells[1].dataset.value + ':' + r.cells[2].dataset.value));
    check('cluster table equals the document', same(cl, KM.clusters.map(c => `${c.name}:${c.customers}`)), JSON.stringify(cl));
  }
  if (RFM || KM) await (await page.$('#segments-section')).screenshot({ path: path.join(outdir, 'segments.png') });

  // A brand and an earlier month, through the selectors.
  if (D.input.brands.length) {
    const b = D.input.brands[D.input.brands.length - 1];
    const s = D.series.find(x => x.brand === b);
    const m = s.months[Math.max(0, s.months.length - 7)];
    await page.selectOption('#brand', b);
    await page.selectOption('#month', m.month);
    check('brand and month selected', (await page.evaluate(() => document.body.dataset.brand + ' ' + document.body.dataset.month)) === `${b} ${m.month}`);
    check(`KPI cards equal the JSON for ${b} ${m.month}`, Number(await kpi('customers')) === m.customers && Number(await kpi('active')) === m.active);
    const rows = await tierRows();
    check(`tier table equals the JSON for ${b} ${m.month}`, same(rows.slice(0, tiersOf(s).length), want(s, m)));
    const inactiveRow = rows[tiersOf(s).length];
    check(`the inactive row of ${b} is its tier.inactive (${s.inactive_tier || D.inactive_tier}) with the JSON's count`,
          same(inactiveRow.slice(0, 2), [s.inactive_tier || D.inactive_tier, String(m.inactive)]), JSON.stringify(inactiveRow));

    // The tier table's CSV export holds the same figures.
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#tiers-csv')]);
    const csv = fs.readFileSync(await dl.path(), 'utf8');
    const head = 'tier,customers,share of active,value,value share,12-month value,at risk,value at risk';
    const first = want(s, m).map(r => r.map(q).join(','));
    check('tier CSV export equals the table', csv.startsWith([head, ...first].join('\n') + '\n'), csv.slice(0, 200));
    check('tier CSV is named for the selection', dl.suggestedFilename() === `tiers-${b}-${m.month}.csv`, dl.suggestedFilename());
    await page.selectOption('#month', s.months[s.months.length - 1].month);
    const [dr] = await Promise.all([page.waitForEvent('download'), page.click('#risk-csv')]);
    const rcsv = fs.readFileSync(await dr.path(), 'utf8').trim().split('\n');
    check('at-risk CSV export equals the list', rcsv.length === s.at_risk.length + 1 &&
          rcsv.slice(1).every((l, k) => l.split(',')[2] === q(s.at_risk[k].customer_id)), rcsv.slice(0, 3).join(' | '));
  }

  // Opening with a hash selects; a phone-wide page does not scroll sideways.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const p2 = await phone.newPage();
  await p2.goto(url + `#brand=&month=${s0.months[0].month}`, { waitUntil: 'load' });
  await p2.waitForSelector('#tiers tbody tr');
  check('the hash selects the month', (await p2.evaluate(() => document.body.dataset.month)) === s0.months[0].month);
  const over = await p2.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check('no sideways scrolling on a 390 px phone', over <= 0, `${over} px too wide`);
  await p2.goto(url, { waitUntil: 'load' });
  await p2.screenshot({ path: path.join(outdir, 'phone.png'), fullPage: true });
  await browser.close();
  process.exit(failed ? 1 : 0);
})().catch(e => { console.error(e); process.exit(1); });
