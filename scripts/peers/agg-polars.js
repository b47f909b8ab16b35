// crm-agg's job done by Polars (nodejs-polars, lazy): the same columns and
// order, written as TSV. Amounts are read as text and folded as integer
// cents (crm-gen writes two decimals), then printed back; orders are the
// distinct purchase days.
const pl = require('nodejs-polars');
(async () => {
  const [input, output] = process.argv.slice(2);
  const S = pl.Utf8;
  const ex = pl.col('ex'), con = pl.col('ex').not(), ok = pl.col('ok');
  const money = (c) => pl.concatString([
    pl.when(pl.col(c).lt(0)).then(pl.lit('-')).otherwise(pl.lit('')),
    pl.col(c).abs().divideBy(100).floor().cast(pl.Int64).cast(S),
    pl.lit('.'),
    pl.col(c).abs().modulo(100).cast(pl.Int64).cast(S).str.padStart(2, '0')], '').alias(c);
  const df = await pl.scanCSV(input, {
    sep: '\t', hasHeader: true,
    schema: { date: S, customer_id: S, sku: S, category: S, qty: pl.Int64, amount: S } })
    .withColumns(
      pl.col('date').str.slice(0, 7).alias('month'),
      pl.col('amount').str.replace('.', '', true).cast(pl.Int64).alias('cents'),
      pl.col('category').isIn(['device', 'accessory']).alias('ex'))
    .withColumns(pl.col('qty').gt(0).and(pl.col('cents').gtEq(0)).alias('ok'))
    .groupBy(['customer_id', 'month'])
    .agg(
      pl.col('date').filter(ok.and(con)).nUnique().alias('orders'),
      pl.col('qty').filter(con).sum().alias('units'),
      pl.col('cents').filter(con).sum().alias('amount'),
      pl.col('date').filter(ok.and(con)).min().alias('first_date'),
      pl.col('date').filter(ok.and(con)).max().alias('last_date'),
      pl.col('date').filter(ok.and(ex)).nUnique().alias('other_orders'),
      pl.col('cents').filter(ex).sum().alias('other_amount'),
      pl.col('date').count().alias('lines'),
      pl.col('date').min().alias('lo'),
      pl.col('date').max().alias('hi'))
    .withColumns(money('amount'), money('other_amount'),
      pl.col('lo').min().alias('period_start'), pl.col('hi').max().alias('period_end'))
    .drop(['lo', 'hi'])
    .sort(['customer_id', 'month'])
    .collect();
  df.writeCSV(output, { separator: '\t', includeHeader: true, quoteStyle: 'never' });
})().catch(e => { console.error(e.message); process.exit(1); });
