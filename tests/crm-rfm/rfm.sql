-- RFM computed by sqlite3 from the transactions in table tx, with the
-- default rules: consumables only, the 365 days to the latest date, nearest-
-- rank quintiles (threshold k = the value at rank ceil(k n / 5)), scores =
-- 1 + the thresholds a value exceeds (recency: 5 - those), the default
-- segments in order. Prints crm-rfm's first nine columns and tenure.
CREATE TABLE asof AS SELECT max(CAST(julianday(date) AS INTEGER)) AS t FROM tx;
CREATE TABLE c AS
WITH x AS (
  SELECT customer_id AS id, CAST(julianday(date) AS INTEGER) AS d, CAST(qty AS INTEGER) AS q,
         CAST(replace(amount, '.', '') AS INTEGER) AS a
  FROM tx WHERE category NOT IN ('device', 'accessory'))
SELECT id,
  (SELECT t FROM asof) - max(CASE WHEN q > 0 AND a >= 0 THEN d END) AS r,
  count(DISTINCT CASE WHEN q > 0 AND a >= 0 AND d > (SELECT t FROM asof) - 365 THEN d END) AS f,
  sum(CASE WHEN d > (SELECT t FROM asof) - 365 THEN a ELSE 0 END) AS m,
  (SELECT t FROM asof) - min(CASE WHEN q > 0 AND a >= 0 THEN d END) AS tenure
FROM x GROUP BY id;
DELETE FROM c WHERE f = 0;
CREATE TABLE thr AS
WITH n AS (SELECT count(*) AS n FROM c),
k(k) AS (VALUES (1), (2), (3), (4)),
rr AS (SELECT r AS v, row_number() OVER (ORDER BY r) AS rn FROM c),
ff AS (SELECT f AS v, row_number() OVER (ORDER BY f) AS rn FROM c),
mm AS (SELECT m AS v, row_number() OVER (ORDER BY m) AS rn FROM c)
SELECT 'r' AS meas, k, (SELECT v FROM rr WHERE rn = (k * (SELECT n FROM n) + 4) / 5) AS t FROM k
UNION ALL SELECT 'f', k, (SELECT v FROM ff WHERE rn = (k * (SELECT n FROM n) + 4) / 5) FROM k
UNION ALL SELECT 'm', k, (SELECT v FROM mm WHERE rn = (k * (SELECT n FROM n) + 4) / 5) FROM k;
CREATE TABLE s AS SELECT id, r, f, m, tenure,
  5 - (SELECT count(*) FROM thr WHERE meas = 'r' AND c.r > t) AS rs,
  1 + (SELECT count(*) FROM thr WHERE meas = 'f' AND c.f > t) AS fs,
  1 + (SELECT count(*) FROM thr WHERE meas = 'm' AND c.m > t) AS ms
FROM c;
SELECT id, r, f, printf('%s%d.%02d', CASE WHEN m < 0 THEN '-' ELSE '' END, abs(m) / 100, abs(m) % 100),
  rs, fs, ms, printf('%.2f', (rs + fs + ms) / 3.0),
  CASE
    WHEN rs BETWEEN 4 AND 5 AND fs BETWEEN 4 AND 5 AND ms BETWEEN 4 AND 5 THEN 'Champions'
    WHEN rs BETWEEN 3 AND 5 AND fs BETWEEN 3 AND 5 AND ms BETWEEN 3 AND 5 THEN 'Loyal Customers'
    WHEN rs = 1 AND fs BETWEEN 4 AND 5 AND ms BETWEEN 4 AND 5 THEN 'Can''t Lose Them'
    WHEN rs BETWEEN 1 AND 2 AND fs BETWEEN 3 AND 5 THEN 'At Risk'
    WHEN rs BETWEEN 4 AND 5 AND fs BETWEEN 2 AND 5 THEN 'Potential Loyalists'
    WHEN rs BETWEEN 4 AND 5 AND fs = 1 THEN 'Promising'
    WHEN rs = 3 AND fs BETWEEN 2 AND 5 THEN 'Need Attention'
    WHEN rs BETWEEN 2 AND 3 AND fs BETWEEN 1 AND 2 THEN 'About to Sleep'
    WHEN rs = 1 AND fs = 2 THEN 'Hibernating'
    ELSE 'Lost' END,
  tenure
FROM s ORDER BY id;
