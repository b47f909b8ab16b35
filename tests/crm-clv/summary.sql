-- The summaries crm-clv makes, computed by sqlite3 from the transactions in
-- table tx with the default rules (consumables only; a purchase is a line
-- with qty > 0 and amount >= 0), in days, to the latest date: id, x (purchase
-- days - 1), t_x (last - first purchase day), T (latest date - first
-- purchase day), and the repeat mean (A * k1 - A1) / (k1 * x) in minor units
-- as a real, with A the consumable amount, A1 and k1 the amount and purchase
-- days of the first purchase month. Customers without a purchase are left out.
CREATE TABLE l AS
  SELECT customer_id AS id, CAST(julianday(date) AS INTEGER) AS d, substr(date, 1, 7) AS mon,
         CAST(qty AS INTEGER) > 0 AND CAST(replace(amount, '.', '') AS INTEGER) >= 0 AS buy,
         CAST(replace(amount, '.', '') AS INTEGER) AS a
  FROM tx WHERE category NOT IN ('device', 'accessory');
CREATE TABLE c AS
  SELECT id, count(DISTINCT CASE WHEN buy THEN d END) AS n,
         min(CASE WHEN buy THEN d END) AS f, min(CASE WHEN buy THEN mon END) AS fmon, max(CASE WHEN buy THEN d END) AS la, sum(a) AS am
  FROM l GROUP BY id;
DELETE FROM c WHERE n = 0;
CREATE TABLE fm AS
  SELECT c.id, count(DISTINCT CASE WHEN l.buy THEN l.d END) AS k1, sum(l.a) AS a1
  FROM c JOIN l ON l.id = c.id AND l.mon = c.fmon
  GROUP BY c.id;
SELECT c.id, c.n - 1, c.la - c.f, (SELECT max(d) FROM l) - c.f,
       CASE WHEN c.n > 1 THEN (c.am * fm.k1 - fm.a1) * 1.0 / (fm.k1 * (c.n - 1)) ELSE 0 END
FROM c JOIN fm ON fm.id = c.id ORDER BY c.id;
