-- crm-agg's job done by sqlite3 on the imported table tx (amounts with two
-- decimals, as crm-gen writes them): the same columns and order.
WITH t AS (
  SELECT customer_id AS k, substr(date, 1, 7) AS m, date AS d, CAST(qty AS INTEGER) AS q,
         CAST(replace(amount, '.', '') AS INTEGER) AS a,
         category IN ('device', 'accessory') AS ex FROM tx),
g AS (
  SELECT k, m,
    count(DISTINCT CASE WHEN NOT ex AND q > 0 AND a >= 0 THEN d END) AS orders,
    total(CASE WHEN NOT ex THEN q END) AS units, total(CASE WHEN NOT ex THEN a END) AS amount,
    min(CASE WHEN NOT ex AND q > 0 AND a >= 0 THEN d END) AS first,
    max(CASE WHEN NOT ex AND q > 0 AND a >= 0 THEN d END) AS last,
    count(DISTINCT CASE WHEN ex AND q > 0 AND a >= 0 THEN d END) AS oorders,
    total(CASE WHEN ex THEN a END) AS oamount, count(*) AS lines
  FROM t GROUP BY k, m)
SELECT k, m, orders, CAST(units AS INTEGER),
  printf('%d.%02d', CAST(amount AS INTEGER) / 100, CAST(amount AS INTEGER) % 100),
  coalesce(first, ''), coalesce(last, ''), oorders,
  printf('%d.%02d', CAST(oamount AS INTEGER) / 100, CAST(oamount AS INTEGER) % 100),
  lines, (SELECT min(date) FROM tx), (SELECT max(date) FROM tx)
FROM g ORDER BY k, m;
