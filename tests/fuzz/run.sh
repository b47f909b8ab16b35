#!/bin/sh
# fuzz regressions: inputs the fuzzing harnesses found (regress/), replayed
# through the tools with their exact messages and exit codes. Every file of
# regress/ is also a seed of the harness it came from (seeds).
. ../lib.sh

golden regress
# fuzz-tsv: a NUL byte in a products file's category cut the name short
# (DEV-001 counted as a "device").
t crm-agg --products regress/products_nul_category.tsv regress/products_nul_category_tx.tsv
golden_end

finish
