-- The monthly signals of crm-tier | crm-lifecycle | crm-churn under the
-- default rules, computed independently from crm-agg's rows (table agg,
-- imported as text) with window functions. Writes customer_id, month,
-- tenure_months, recency_days, orders_f, value_m, avg_monthly, avg_order,
-- active, tier, event, churn_risk, churn_reason in the tools' order.
-- The period ends on period_end's day: in its month, E of the month's L
-- days have passed (E = L in every other month), recency counts to that day
-- and rates divide by the months elapsed, the last one counting E / L.
CREATE TABLE a AS
  SELECT customer_id AS c,
         CAST(substr(month, 1, 4) AS INTEGER) * 12 + CAST(substr(month, 6, 2) AS INTEGER) - 1 AS m,
         CAST(orders AS INTEGER) AS o,
         CAST(replace(amount, '.', '') AS INTEGER) AS v,
         nullif(first_date, '') AS fd, nullif(last_date, '') AS ld,
         CAST(substr(period_end, 1, 4) AS INTEGER) * 12 + CAST(substr(period_end, 6, 2) AS INTEGER) - 1 AS pe,
         period_end AS pe_day
  FROM agg;
CREATE TABLE firsts AS SELECT c, min(m) AS first FROM a GROUP BY c;
CREATE TABLE months AS
  WITH RECURSIVE r(m) AS (SELECT min(m) FROM a UNION ALL SELECT m + 1 FROM r WHERE m < (SELECT max(pe) FROM a))
  SELECT m FROM r;
-- Every month from the first purchase to the period end.
CREATE TABLE s AS
  SELECT f.c, mo.m, f.first, coalesce(a.o, 0) AS o, coalesce(a.v, 0) AS v, a.fd, a.ld
  FROM firsts f JOIN months mo ON mo.m >= f.first LEFT JOIN a ON a.c = f.c AND a.m = mo.m;
CREATE TABLE w AS
  SELECT c, m, m - first AS tenure, o, v,
    CAST(julianday(printf('%04d-%02d-01', m / 12, m % 12 + 1), '+1 month') -
         julianday(printf('%04d-%02d-01', m / 12, m % 12 + 1)) AS INTEGER) AS len,
    CASE WHEN m = (SELECT max(pe) FROM a) THEN CAST(substr((SELECT max(pe_day) FROM a), 9, 2) AS INTEGER)
         ELSE 31 END AS eday,
    max(CASE WHEN o > 0 THEN ld END) OVER win_all AS last_buy,
    min(CASE WHEN o > 0 THEN m END) OVER win_all AS first_order,
    sum(o) OVER (PARTITION BY c ORDER BY m ROWS 5 PRECEDING) AS orders_f,
    sum(v) OVER win12 AS value_m,
    sum(o) OVER win12 AS orders_m,
    min(CASE WHEN o > 0 THEN fd END) OVER win12 AS span_first,
    max(CASE WHEN o > 0 THEN ld END) OVER win12 AS span_last,
    sum(v) OVER (PARTITION BY c ORDER BY m ROWS 2 PRECEDING) AS recent_v
  FROM s
  WINDOW win_all AS (PARTITION BY c ORDER BY m ROWS UNBOUNDED PRECEDING),
         win12 AS (PARTITION BY c ORDER BY m ROWS 11 PRECEDING);
-- E: the days elapsed of the month (all but in the period's last month).
CREATE TABLE w2 AS SELECT *, min(eday, len) AS e FROM w;
-- Money divided and rounded half away from zero (values here are >= 0)
-- for display. The tiers compare the exact averages, never the rounded
-- ones: avg_monthly = value_m * len / amden against a minimum is value_m *
-- len against minimum * amden; avg_order likewise with orders_m.
CREATE TABLE t AS
  SELECT *, (min(12, tenure + 1) - 1) * len + e AS amden,
    (2 * value_m * len + (min(12, tenure + 1) - 1) * len + e) / (2 * ((min(12, tenure + 1) - 1) * len + e)) AS avg_monthly,
    CASE WHEN orders_m > 0 THEN (2 * value_m + orders_m) / (2 * orders_m) ELSE 0 END AS avg_order,
    orders_m > 0 AS active,
    CAST(julianday(printf('%04d-%02d-01', m / 12, m % 12 + 1), '+' || (e - 1) || ' days')
         - julianday(last_buy) AS INTEGER) AS recency,
    5 * len + e AS fnum, 6 * len AS fden
  FROM w2;
CREATE TABLE u AS
  SELECT *,
    CASE WHEN NOT active THEN 'passive'
         WHEN value_m * len >= 15000 * amden AND orders_f * fden >= 5 * fnum AND value_m >= 8000 * orders_m THEN 'diamond'
         WHEN value_m * len >= 9000 * amden AND orders_f * fden >= 4 * fnum AND value_m >= 6000 * orders_m THEN 'platinum'
         WHEN value_m * len >= 5000 * amden AND orders_f * fden >= 3 * fnum AND value_m >= 4000 * orders_m THEN 'gold'
         WHEN value_m * len >= 2000 * amden AND orders_f * fden >= 2 * fnum THEN 'silver'
         ELSE 'bronze' END AS tier,
    lag(active) OVER (PARTITION BY c ORDER BY m) AS prev_active
  FROM t;
CREATE TABLE x AS
  SELECT *,
    CASE WHEN tenure = 0 THEN 'new'
         WHEN prev_active AND NOT active THEN 'lost'
         WHEN active AND NOT prev_active AND first_order <= m - 12 THEN 'reactivated'
         ELSE '' END AS event,
    tier IN ('diamond', 'platinum', 'gold') AND active AND orders_m >= 2 AND recency >= 45
      AND recency * (orders_m - 1) >= 2 * (julianday(span_last) - julianday(span_first)) AS lapse,
    tier IN ('diamond', 'platinum', 'gold') AND active AND min(12, tenure + 1) > 3
      AND value_m - recent_v > 0
      AND recent_v * len * (min(12, tenure + 1) - 3) * 2 < (value_m - recent_v) * (2 * len + e) AS decline
  FROM u;
SELECT c, printf('%04d-%02d', m / 12, m % 12 + 1), tenure, coalesce(recency, ''), orders_f,
  printf('%d.%02d', value_m / 100, value_m % 100), printf('%d.%02d', avg_monthly / 100, avg_monthly % 100),
  printf('%d.%02d', avg_order / 100, avg_order % 100), active, tier, event,
  lapse OR decline,
  CASE WHEN lapse AND decline THEN 'lapse+decline' WHEN lapse THEN 'lapse' WHEN decline THEN 'decline' ELSE '' END
FROM x ORDER BY c, m;
