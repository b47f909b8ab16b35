#!/bin/sh
# crm-model: determinism (model bytes, predictions, input order), per-row
# contributions summing to the margin, a label that is a known function of
# two features (AUC > 0.95) and a noise label (AUC near 0.5), the metrics
# against scikit-learn's and scipy's on fixed scores, the evaluation
# document's keys against the published sample, and the errors.
. ../lib.sh
# crm-model makes XGBoost's threads sleep rather than spin while they wait
# (it sets OMP_WAIT_POLICY=passive and runs itself again): the machine may
# be busy with other suites.
unset OMP_WAIT_POLICY
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
have_sklearn=0
$PY -c 'import sklearn, scipy' 2> /dev/null && have_sklearn=1

# Smaller data under the sanitizers.
if [ "$SAN" = 1 ]; then
	N=300 NT=400
else
	N=1500 NT=1500
fi
RID=$(crm-rules id)
gen() { $PY ./gen.py "$@"; }
gen churn $N 8 1 "$RID" > "$WORK/churn.tsv"
gen two $NT 6 2 "$RID" > "$WORK/two.tsv"
gen noise $NT 6 3 "$RID" > "$WORK/noise.tsv"

# auc MODEL FILE: the model's AUC on FILE's rows after training.
auc() {
	crm-model eval --model "$1" "$2" | $PY -c 'import json, sys; print(json.load(sys.stdin)["scorers"][0]["auc"])'
}

# ---- determinism ----
crm-model train -o "$WORK/a.model" "$WORK/churn.tsv"
crm-model train -o "$WORK/b.model" --card "$WORK/b.card" "$WORK/churn.tsv"
same "train twice: the same model bytes" "$WORK/a.model" "$WORK/b.model"
same "train twice: the same card" "$WORK/a.model.card.json" "$WORK/b.card"
(head -n 1 "$WORK/churn.tsv"; tail -n +2 "$WORK/churn.tsv" | sort -r) > "$WORK/rev.tsv"
crm-model train -o "$WORK/r.model" "$WORK/rev.tsv"
same "train on the rows in another order: the same model bytes" "$WORK/a.model" "$WORK/r.model"
crm-model predict --model "$WORK/a.model" "$WORK/churn.tsv" > "$WORK/p1.tsv"
crm-model predict --model "$WORK/b.model" "$WORK/churn.tsv" > "$WORK/p2.tsv"
same "predict twice: the same bytes" "$WORK/p1.tsv" "$WORK/p2.tsv"
expect "predict: rows in = rows out" "$(wc -l < "$WORK/churn.tsv")" "$(wc -l < "$WORK/p1.tsv")"
expect "predict: the input columns, then p_churn before rules_id" \
	"$(head -n 1 "$WORK/churn.tsv" | sed 's/\trules_id$/\tp_churn\trules_id/')" "$(head -n 1 "$WORK/p1.tsv")"
check "predict: the input rows unchanged around p_churn" \
	"cut -f1-17,19 $WORK/p1.tsv | cmp -s - $WORK/churn.tsv"
# More rows than two batches of 65536: the scorer thread and the writer take
# turns; every row's prediction is the one it gets alone.
body=$(($(wc -l < "$WORK/churn.tsv") - 1))
reps=$((140000 / body + 1))
repeat='NR == 1 { print; next } { l[++n] = $0 } END { for (i = 0; i < r; i++) for (j = 1; j <= n; j++) print l[j] }'
awk -v r=$reps "$repeat" "$WORK/churn.tsv" > "$WORK/big.tsv"
awk -v r=$reps "$repeat" "$WORK/p1.tsv" > "$WORK/big_want.tsv"
crm-model predict --model "$WORK/a.model" -o "$WORK/big_got.tsv" "$WORK/big.tsv"
same "predict: $((body * reps)) rows in batches, each row as scored alone" "$WORK/big_want.tsv" "$WORK/big_got.tsv"

check "the card is JSON with the features, window, rules and threshold" \
	"$PY -c 'import json,sys; c=json.load(open(\"$WORK/a.model.card.json\")); assert c[\"rules\"][\"id\"] == \"$RID\"; assert len(c[\"features\"]) == 11; assert c[\"training\"][\"to\"] < c[\"validation\"][\"from\"]; assert len(c[\"importance\"]) == 11; assert 0 < c[\"threshold\"][\"p\"] < 1'"

# ---- contributions: bias + every feature's contribution = margin ----
printf 'model.explain_top = 100\n' > "$WORK/all.rules"
RID_ALL=$(crm-rules id "$WORK/all.rules")
gen churn $N 8 1 "$RID_ALL" > "$WORK/churn_all.tsv"
crm-model train --rules "$WORK/all.rules" -o "$WORK/all.model" "$WORK/churn_all.tsv"
crm-model predict --rules "$WORK/all.rules" --explain --model "$WORK/all.model" "$WORK/churn_all.tsv" > "$WORK/ex.tsv"
cat > "$WORK/contrib.py" << 'EOF'
import math, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
h = rows[0]
P, M, B, E = (h.index(c) for c in ("p_churn", "margin", "bias", "explain"))
worst = worst_p = 0
for r in rows[1:]:
    parts = r[E].split(";")
    assert len(parts) == 11, parts
    s = float(r[B]) + sum(float(p.rsplit(":", 1)[1]) for p in parts)
    worst = max(worst, abs(s - float(r[M])))
    worst_p = max(worst_p, abs(1 / (1 + math.exp(-float(r[M]))) - float(r[P])))
assert worst < 1e-4, worst
assert worst_p < 2e-6, worst_p
EOF
check "explain: bias + contributions = margin, sigmoid(margin) = p_churn" "$PY $WORK/contrib.py $WORK/ex.tsv"
crm-model predict --explain --model "$WORK/a.model" "$WORK/churn.tsv" > "$WORK/ex3.tsv"
check "explain: model.explain_top features, largest first" \
	"awk -F'\t' 'NR > 1 { n = split(\$21, a, \";\"); if (n != 3) exit 1; for (i = 1; i <= n; i++) { sub(/.*:/, \"\", a[i]); v = a[i] + 0; if (v < 0) v = -v; if (i > 1 && v > last + 1e-9) exit 1; last = v } }' $WORK/ex3.tsv"

# ---- signal and noise ----
crm-model train -o "$WORK/two.model" "$WORK/two.tsv"
a=$(auc "$WORK/two.model" "$WORK/two.tsv")
check "label = [a * b > 0]: model AUC $a > 0.95" "awk 'BEGIN { exit !($a > 0.95) }'"
crm-model train -o "$WORK/noise.model" "$WORK/noise.tsv"
a=$(auc "$WORK/noise.model" "$WORK/noise.tsv")
check "noise label: model AUC $a within 0.45..0.55" "awk 'BEGIN { exit !($a > 0.45 && $a < 0.55) }'"
a=$(auc "$WORK/a.model" "$WORK/churn.tsv")
check "churn process: model AUC $a > 0.8" "awk 'BEGIN { exit !($a > 0.8) }'"

# ---- metrics against scikit-learn and scipy on fixed scores ----
cat > "$WORK/fixed.py" << 'EOF'
import random, sys
rng = random.Random(5)
print("brand\tcustomer_id\tas_of\ts\tlabel_churn\tlabel_revenue\trules_id")
for i in range(997):
    y = 1 if rng.random() < 0.3 else 0
    # Two decimals: many ties, within and across the classes.
    s = min(1, max(0, rng.gauss(0.35 + 0.2 * y, 0.2)))
    rev = max(0, rng.gauss(50 + 100 * s, 40))
    print("x\tc%05d\t2024-01-31\t%.2f\t%d\t%.2f\t%s" % (i, s, y, rev, sys.argv[1]))
EOF
cat > "$WORK/sk.py" << 'EOF'
import json, sys
import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
s = np.array([float(r[3]) for r in rows]); y = np.array([int(r[4]) for r in rows])
rev = np.array([float(r[5]) for r in rows])
d = json.load(open(sys.argv[2]))
sc = [x for x in d["scorers"] if x["name"] == "s"][0]
want = {"auc": roc_auc_score(y, s), "pr_auc": average_precision_score(y, s),
        "brier": brier_score_loss(y, s)}
for k, v in want.items():
    assert abs(sc[k] - v) < 1e-6, (k, sc[k], v)
# Gains at the top 10%: ties across the cut count with the share inside.
o = np.argsort(-s, kind="stable"); k = 0.1 * len(s)
cut = s[o][int(k)]
above = s > cut; tie = s == cut
g = (y[above].sum() + y[tie].sum() * (k - above.sum()) / tie.sum()) / y.sum()
assert abs(sc["lift"][1]["gains"] - g) < 1e-6, (sc["lift"][1], g)
r = json.load(open(sys.argv[3]))
rs = [x for x in r["scorers"] if x["name"] == "s"][0]
assert abs(rs["spearman"] - spearmanr(s, rev).correlation) < 1e-6
assert abs(rs["mae"] - np.mean(np.abs(s - rev))) < 1e-6
assert abs(rs["rmse"] - np.sqrt(np.mean((s - rev) ** 2))) < 1e-6
EOF
$PY "$WORK/fixed.py" "$RID" > "$WORK/fixed.tsv"
crm-model eval --score s "$WORK/fixed.tsv" > "$WORK/fixed.json"
crm-model eval --target revenue --score s "$WORK/fixed.tsv" > "$WORK/fixed_rev.json"
if [ $have_sklearn = 1 ]; then
	check "AUC, average precision, Brier = scikit-learn's; gains, MAE, RMSE, Spearman = numpy's and scipy's" \
		"$PY $WORK/sk.py $WORK/fixed.tsv $WORK/fixed.json $WORK/fixed_rev.json"
else
	skip "metrics against scikit-learn (python3-sklearn is not installed)"
fi
if [ $have_sklearn = 1 ]; then
	check "logistic-regression baseline: coefficients = scikit-learn's LogisticRegression (C = 1/(lambda N)) to 1e-6" \
		"$PY ./logitref.py $WORK/a.model $WORK/churn.tsv 1"
else
	skip "logistic-regression baseline against scikit-learn (python3-sklearn is not installed)"
fi
crm-model eval --all --model "$WORK/a.model" "$WORK/p1.tsv" > "$WORK/e1.json"
crm-model eval --all --model "$WORK/a.model" --score p_churn "$WORK/p1.tsv" > "$WORK/e2.json"
check "eval: the model's AUC = that of predict's p_churn (6 decimals)" \
	"$PY -c 'import json; d = json.load(open(\"$WORK/e2.json\"))[\"scorers\"]; m = d[0][\"auc\"]; p = [x for x in d if x[\"name\"] == \"p_churn\"][0][\"auc\"]; assert abs(m - p) < 1e-4, (m, p)'"

# ---- the document keeps the keys of the published sample ----
keys() {
	$PY -c '
import json, sys
def walk(v, p):
    if isinstance(v, dict):
        for k, x in v.items(): walk(x, p + "." + k)
    elif isinstance(v, list):
        for x in v: walk(x, p + "[]")
    print(p)
walk(json.load(open(sys.argv[1])), "")' "$1" | sort -u
}
crm-model eval --model "$WORK/a.model" "$WORK/churn.tsv" > "$WORK/doc.json"
keys doc.sample.json > "$WORK/sample.keys"
keys "$WORK/doc.json" > "$WORK/doc.keys"
check "eval: every key of doc.sample.json is in the document" \
	"comm -23 $WORK/sample.keys $WORK/doc.keys | awk 'END { exit NR > 0 }'"

crm-model eval --model "$WORK/a.model" "$WORK/rev.tsv" > "$WORK/doc_rev.json"
same "eval on the rows in another order: the same document" "$WORK/doc.json" "$WORK/doc_rev.json"

# ---- the decision threshold: the contact list of largest profit ----
cat > "$WORK/profit.py" << 'EOF'
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
h = rows[0]
P, Y = h.index("p_churn"), h.index("label_churn")
pts = [(float(r[P]), int(r[Y])) for r in rows[1:] if r[Y] != ""]
d = json.load(open(sys.argv[2]))
cost, saved = float(d["economics"]["contact_cost"]), float(d["economics"]["saved_value"])
best = (0.0, None)
for t in sorted({p for p, _ in pts}):
    c = [y for p, y in pts if p >= t]
    v = saved * sum(c) - cost * len(c)
    if v > best[0] or (v == best[0] and best[1] is not None and t > best[1]):
        best = (v, t)
s = [x for x in d["scorers"] if x["name"] == "p_churn"][0]["best_profit"]
assert abs(float(s["profit"]) - best[0]) < 1e-6 and abs(s["threshold"] - best[1]) < 1e-9, (s, best)
EOF
check "eval: the best contact list = a brute-force search over thresholds" "$PY $WORK/profit.py $WORK/p1.tsv $WORK/e2.json"

# ---- class imbalance by rules key ----
printf 'model.imbalance = balanced\n' > "$WORK/bal.rules"
gen churn $N 8 1 "$(crm-rules id "$WORK/bal.rules")" > "$WORK/bal.tsv"
crm-model train --rules "$WORK/bal.rules" -o "$WORK/bal.model" "$WORK/bal.tsv"
check "model.imbalance = balanced: scale_pos_weight = non-churners / churners of the training rows" \
	"$PY -c 'import json; c = json.load(open(\"$WORK/bal.model.card.json\")); t = c[\"training\"]; w = (t[\"rows\"] - t[\"positives\"]) / t[\"positives\"]; assert abs(c[\"params\"][\"scale_pos_weight\"] - w) < 1e-6 and w > 1.5, (c[\"params\"], w)'"

# ---- the revenue model ----
crm-model train --target revenue -o "$WORK/rev.model" "$WORK/churn.tsv"
crm-model predict --model "$WORK/rev.model" "$WORK/churn.tsv" > "$WORK/prev.tsv"
expect "revenue: pred_revenue before rules_id" "pred_revenue" "$(head -n 1 "$WORK/prev.tsv" | awk -F'\t' '{ print $(NF-1) }')"
check "revenue: predictions are amounts >= 0 with 2 decimals" \
	"awk -F'\t' 'NR > 1 && (\$18 !~ /^[0-9]+\\.[0-9][0-9]\$/) { exit 1 }' $WORK/prev.tsv"
crm-model eval --model "$WORK/rev.model" "$WORK/churn.tsv" > "$WORK/rev.json"
check "revenue: eval reports MAE, RMSE and Spearman" \
	"$PY -c 'import json; d = json.load(open(\"$WORK/rev.json\")); s = d[\"scorers\"][0]; assert d[\"target\"] == \"revenue\" and s[\"spearman\"] > 0.3 and s[\"mae\"] > 0 and s[\"rmse\"] >= s[\"mae\"]'"

# The revenue model beside a crm-clv expectation column: the same rows, and
# Spearman's rho as scipy computes it.
awk -F'\t' 'BEGIN { OFS = "\t"; srand(9) } NR == 1 { $17 = $17 "\texp_revenue" } NR > 1 { $17 = $17 "\t" sprintf("%.2f", $8 * (1 + rand())) } 1' \
	"$WORK/churn.tsv" > "$WORK/clv.tsv"
crm-model train --target revenue -o "$WORK/clv.model" "$WORK/clv.tsv"
crm-model eval --model "$WORK/clv.model" "$WORK/clv.tsv" > "$WORK/clv.json"
cat > "$WORK/clv.py" << 'EOF'
import json, sys
from scipy.stats import spearmanr
d = json.load(open(sys.argv[2]))
assert d["rows"]["holdout"]
last = d["card"]["training"]["to"]
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
h = rows[0]
A, L, E = h.index("as_of"), h.index("label_revenue"), h.index("exp_revenue")
ev = [r for r in rows[1:] if r[L] != "" and r[A] > last]
assert d["rows"]["evaluated"] == len(ev)
s = [x for x in d["scorers"] if x["name"] == "exp_revenue"][0]
rho = spearmanr([float(r[E]) for r in ev], [float(r[L]) for r in ev]).correlation
assert abs(s["spearman"] - rho) < 1e-6, (s, rho)
EOF
if [ $have_sklearn = 1 ]; then
	check "revenue: eval scores crm-clv's exp_revenue on the holdout rows (Spearman = scipy's)" \
		"$PY $WORK/clv.py $WORK/clv.tsv $WORK/clv.json"
else
	skip "revenue against crm-clv's column (python3-scipy is not installed)"
fi

# ---- errors ----
awk -F'\t' 'BEGIN { OFS = "\t" } NR > 1 { $16 = ""; $17 = "" } 1' "$WORK/churn.tsv" > "$WORK/unlabelled.tsv"
cut -f1-13,15- "$WORK/churn.tsv" > "$WORK/nop.tsv"
sed '1!s/\t[0-9a-f]*$/\t0123456789abcdef/' "$WORK/churn.tsv" > "$WORK/otherrules.tsv"
awk -F'\t' 'BEGIN { OFS = "\t" } NR == 5 { $12 = "lots" } 1' "$WORK/churn.tsv" > "$WORK/badnum.tsv"
awk -F'\t' 'BEGIN { OFS = "\t" } NR == 3 { $16 = 2 } 1' "$WORK/churn.tsv" > "$WORK/badlabel.tsv"
awk -F'\t' 'NR == 1 || $3 >= "2023-07-31"' "$WORK/churn.tsv" > "$WORK/short.tsv"
sed 2p "$WORK/churn.tsv" > "$WORK/dup.tsv"
cp "$WORK/a.model" "$WORK/keep.model"
golden document
t crm-model eval --score s "$WORK/fixed.tsv"
t crm-model eval --target revenue --score s "$WORK/fixed.tsv"
t crm-model eval --table --score s "$WORK/fixed.tsv"
t crm-model eval --table --target revenue --score s "$WORK/fixed.tsv"
golden_end
cd "$WORK"
golden errors
t crm-model train -o u.model unlabelled.tsv
t crm-model train -o s.model short.tsv
t crm-model train -o d.model dup.tsv
t crm-model train -o keep.model badnum.tsv
t cmp keep.model a.model
t crm-model train -o x.model badlabel.tsv
t crm-model predict --model a.model nop.tsv
t crm-model predict --model a.model otherrules.tsv
t crm-model predict --rules all.rules --model a.model churn_all.tsv
t crm-model predict --model a.model p1.tsv
t crm-model predict --model churn.tsv churn.tsv
t crm-model eval --model a.model nop.tsv
t crm-model eval --score nosuch churn.tsv
t "crm-model predict --model a.model churn.tsv > /dev/full"
t "crm-model predict --model a.model churn.tsv | sed -n 1p | cut -f1-3"
t crm-model
t crm-model fit churn.tsv
t crm-model predict churn.tsv
t crm-model train churn.tsv
t crm-model train --explain -o m churn.tsv
t crm-model predict --table --model a.model churn.tsv
t crm-model train --target profit -o m churn.tsv
t "printf 'model.eta = 0\n' > eta.rules && crm-model --rules eta.rules train -o m churn.tsv"
cd "$TESTS/crm-model"
golden_end

finish
