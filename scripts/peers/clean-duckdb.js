// crm-clean's job on an invoice export done by DuckDB: read_csv, then SQL
// filters for the same rules (defaults of rules/default.rules), the category
// from the products file, written as TSV in input order.
// Usage: node clean-duckdb.js EXPORT.csv PRODUCTS.tsv OUT.tsv [THREADS]
const { DuckDBInstance } = require('@duckdb/node-api');
(async () => {
  const [input, products, output, threads] = process.argv.slice(2);
  const db = await DuckDBInstance.create(':memory:', threads ? { threads } : {});
  const c = await db.connect();
  await c.run(`
    COPY (
      WITH raw AS (
        SELECT row_number() OVER () AS rn, *
        FROM read_csv('${input}', delim = ',', quote = '"', escape = '"', header = true,
          auto_detect = false, strict_mode = false, ignore_errors = true, null_padding = false,
          columns = {'InvoiceNo': 'VARCHAR', 'StockCode': 'VARCHAR', 'Description': 'VARCHAR',
                     'Quantity': 'VARCHAR', 'InvoiceDate': 'VARCHAR', 'UnitPrice': 'VARCHAR',
                     'CustomerID': 'VARCHAR', 'Country': 'VARCHAR'})),
      typed AS (
        SELECT rn, InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country,
          trim(CustomerID) AS cid, trim(StockCode) AS sku,
          try_cast(Quantity AS BIGINT) AS qty, try_cast(UnitPrice AS DECIMAL(18,4)) AS price,
          try_strptime(InvoiceDate, '%m/%d/%Y %H:%M')::DATE AS day
        FROM raw
        WHERE coalesce(trim(CustomerID), '') <> '' AND coalesce(trim(InvoiceDate), '') <> ''
          AND coalesce(trim(StockCode), '') <> '' AND coalesce(trim(Quantity), '') <> ''
          AND coalesce(trim(UnitPrice), '') <> ''),
      ok AS (
        SELECT t.*, p.category, round(t.qty * t.price, 2)::DECIMAL(18,2) AS amount
        FROM typed t JOIN read_csv('${products}', delim = '\t', header = true,
          columns = {'sku': 'VARCHAR', 'category': 'VARCHAR', 'price': 'VARCHAR'}) p ON p.sku = t.sku
        WHERE t.qty IS NOT NULL AND t.price IS NOT NULL AND t.day IS NOT NULL
          AND NOT starts_with(t.InvoiceNo, 'C') AND t.qty <> 0 AND t.price > 0
          AND t.qty * t.price <= 100000
        QUALIFY row_number() OVER (PARTITION BY InvoiceNo, StockCode, Description, Quantity,
          InvoiceDate, UnitPrice, CustomerID, Country ORDER BY rn) = 1)
      SELECT strftime(day, '%Y-%m-%d') AS date, InvoiceNo AS order_id, cid AS customer_id, sku,
        category, qty, amount
      FROM ok ORDER BY rn
    ) TO '${output}' (DELIMITER '\t', HEADER);`);
})().catch(e => { console.error(e.message); process.exit(1); });
