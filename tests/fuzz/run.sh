#!/bin/sh
# fuzz regressions: inputs the fuzzing harnesses found (regress/), replayed
# through the tools with their exact messages and exit codes. Every file of
# regress/ is also a seed of the harness it came from (seeds).
. ../lib.sh

golden regress
# fuzz-tsv: a NUL byte in a products file's category cut the name short
# (DEV-001 counted as a "device").
t crm-agg --products regress/products_nul_category.tsv regress/products_nul_category_tx.tsv
# fuzz-crm-clean: a row with an empty brand, or a NUL byte in it, was
# written, and crm-agg stopped at it.
t crm-clean --rejects "$WORK/rej.csv" regress/clean_empty_brand.csv
t cat "$WORK/rej.csv"
t "crm-clean regress/clean_empty_brand.csv 2>/dev/null | crm-agg"
# fuzz-crm-report: "<!--" then "<script" in a document kept the page's
# data element open to the end of the page: the dashboard drew nothing.
t "crm-report regress/report_comment.json | grep -oi '<script' | wc -l"
t "crm-report regress/report_comment.json | grep -o '<!--' | wc -l"
t "crm-report regress/report_comment.json | grep -o '\"customer_id\":\"c1[234][^\"]*\"'"
# fuzz-crm-kmeans: a feature value holding a NUL byte was read up to the
# NUL ("" as 0, "12<NUL>x" as 12).
t crm-kmeans -k 2 regress/kmeans_nul_number.tsv
# fuzz-rules: a rules file that includes itself three times was read
# 3^17 times, one error each, before crm-rules check ended (a minute under
# the sanitizers: never); now the cycle is reported once.
t "timeout 60 crm-rules check regress/include_thrice.rules 2>&1 | sort | uniq -c | sort -rn | head -n 3"
# fuzz-crm-tier, -lifecycle, -churn: a column name holding a NUL byte was
# read up to the NUL, so the next tool met a column with no name.
t "crm-tier regress/tier_nul_column.tsv | crm-lifecycle"
# fuzz-crm-json: --ndjson wrote numbers as they came, leading zeros that
# JSON forbids included.
t crm-json --ndjson regress/json_leading_zeros.tsv
golden_end

finish
