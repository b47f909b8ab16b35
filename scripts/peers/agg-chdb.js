// crm-agg's job done by ClickHouse's embedded engine (chdb, libchdb bundled):
// the same columns and order, written as TSV. Distinct purchase days are
// bits of a day-of-month mask (groupBitOr), as in agg-duckdb.js; amounts
// are Decimal(18,2), printed with their trailing zeros. The inner columns
// have short names: ClickHouse lets an output alias shadow a column.
const chdb = require('chdb');
const [input, output] = process.argv.slice(2);
const q = (s) => s.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
chdb.query(`
  SELECT k AS customer_id, formatDateTime(min(d), '%Y-%m') AS month,
    bitCount(groupBitOrIf(bit, NOT ex)) AS orders,
    sumIf(n, NOT ex) AS units,
    sumIf(a, NOT ex) AS amount,
    if(countIf(NOT ex AND bit > 0) = 0, '', toString(minIf(d, NOT ex AND bit > 0))) AS first_date,
    if(countIf(NOT ex AND bit > 0) = 0, '', toString(maxIf(d, NOT ex AND bit > 0))) AS last_date,
    bitCount(groupBitOrIf(bit, ex)) AS other_orders,
    sumIf(a, ex) AS other_amount,
    count() AS lines,
    toString(min(min(d)) OVER ()) AS period_start,
    toString(max(max(d)) OVER ()) AS period_end
  FROM (
    SELECT customer_id AS k, date AS d, qty AS n, amount AS a,
      category IN ('device', 'accessory') AS ex,
      if(qty > 0 AND amount >= 0, bitShiftLeft(toUInt32(1), toDayOfMonth(date) - 1), toUInt32(0)) AS bit
    FROM file('${q(input)}', 'TSVWithNames',
      'date Date, customer_id String, sku String, category String, qty Int64, amount Decimal(18, 2)'))
  GROUP BY k, toStartOfMonth(d)
  ORDER BY customer_id, month
  INTO OUTFILE '${q(output)}' TRUNCATE FORMAT TSVWithNames
  SETTINGS output_format_decimal_trailing_zeros = 1`, 'TSV');
