#!/bin/sh
# crm-kmeans: well-separated clusters recovered, the same seed the same
# bytes, inertia within 1% of scikit-learn's and the silhouette equal to
# its silhouette_score, named clusters on RFM data, errors.
. ../lib.sh

# Three blobs of 200 rows around (0,0,0), (10,10,10) and (-10,10,-10), noise
# +-1, from a fixed linear congruential generator.
awk 'BEGIN { OFS = "\t"; print "id", "group", "a", "b", "c"; s = 12345
	split("0 0 0 10 10 10 -10 10 -10", m, " ")
	for (i = 0; i < 600; i++) {
		g = i % 3
		for (j = 1; j <= 3; j++) { s = (s * 1103515245 + 12345) % 2147483648; v[j] = m[g * 3 + j] + 2 * s / 2147483648 - 1 }
		printf "r%03d\t%d\t%.4f\t%.4f\t%.4f\n", i, g, v[1], v[2], v[3] } }' > "$WORK/blobs.tsv"
crm-kmeans -k 3 --features a,b,c --no-log1p "$WORK/blobs.tsv" > "$WORK/k3.tsv"
n=$(tail -n +2 "$WORK/k3.tsv" | cut -f2,6 | sort -u | wc -l)
expect "three separated blobs: each is one cluster" 3 "$n"
n=$(tail -n +2 "$WORK/k3.tsv" | cut -f6 | sort -u | wc -l)
expect "and the three clusters differ" 3 "$n"
cut -f1-5 "$WORK/k3.tsv" > "$WORK/k3in.tsv"
same "every input row comes out, in order, with its columns" "$WORK/blobs.tsv" "$WORK/k3in.tsv"
crm-kmeans -k 3 --features a,b,c --no-log1p "$WORK/blobs.tsv" > "$WORK/k3b.tsv"
same "the same seed gives the same bytes" "$WORK/k3.tsv" "$WORK/k3b.tsv"
crm-kmeans -k 3 --features a,b,c --no-log1p --seed 99 "$WORK/blobs.tsv" | tail -n +2 | cut -f2,6 | sort -u > "$WORK/s99"
expect "another seed finds the same blobs" 3 "$(wc -l < "$WORK/s99")"

golden blobs
t crm-kmeans -k 3 --features a,b,c --no-log1p --profile "$WORK/blobs.tsv"
t crm-kmeans --features a,b,c --no-log1p --elbow 2-5 "$WORK/blobs.tsv"
golden_end

# Against scikit-learn on the same standardized data (log1p, z-scores).
if [ "$SAN" = 1 ]; then CUST=600; else CUST=4000; fi
crm-gen --customers $CUST --seed 5 | crm-rfm > "$WORK/rfm.tsv"
crm-kmeans --json "$WORK/rfm.tsv" > "$WORK/k.json"
# An empty or short document must not pass as a low inertia: the rows and
# clusters are counted, both inertias must be numbers, and ours may be at
# most 1% above scikit-learn's and no more than 10% below it.
rows=$(($(wc -l < "$WORK/rfm.tsv") - 1))
check "--json clusters all $rows rows into 4 clusters" \
	"[ $rows -gt 100 ] && [ -s $WORK/k.json ] && jq -e '.rows == $rows and (.clusters | length) == 4 and ([.clusters[].customers] | add) == $rows and (.points | length) == ([$rows, 2000] | min)' $WORK/k.json"
ours=$(jq .inertia "$WORK/k.json")
theirs=$(/usr/bin/python3 ../../scripts/peers/kmeans-sklearn.py "$WORK/rfm.tsv" 4 | head -1)
check "inertia '$ours' from 10% below to 1% above scikit-learn's '$theirs'" \
	"awk -v a='$ours' -v b='$theirs' 'BEGIN { exit !(a ~ /^[0-9.]+\$/ && b ~ /^[0-9.]+\$/ && a >= b * 0.9 && a <= b * 1.01) }'"
s_ours=$(crm-kmeans --features a,b,c --no-log1p --elbow 3-3 "$WORK/blobs.tsv" | tail -1 | cut -f3)
printf 'recency\tfrequency\tmonetary\n' > "$WORK/b3.tsv"
tail -n +2 "$WORK/blobs.tsv" | awk -F'\t' -v OFS='\t' '{ print $3 + 20, $4 + 20, $5 + 20 }' >> "$WORK/b3.tsv"
s_theirs=$(/usr/bin/python3 ../../scripts/peers/kmeans-sklearn.py "$WORK/b3.tsv" 3 silhouette --no-log1p | tail -1)
check "silhouette '$s_ours' = scikit-learn's silhouette_score '$s_theirs'" \
	"awk -v a='$s_ours' -v b='$s_theirs' 'BEGIN { d = a - b; exit !(a ~ /^[0-9.]+\$/ && b ~ /^[0-9.]+\$/ && a > 0 && d < 0.0001 && d > -0.0001) }'"

# RFM data: clusters are numbered best first and named by the rule.
check "--json: cluster sizes add up to the rows" "[ -s $WORK/k.json ] && jq -e '([.clusters[].customers] | add) == .rows' $WORK/k.json"
names=$(jq -r '[.clusters[].name] | join(",")' "$WORK/k.json")
check "clusters named by the rule ($names)" "echo '$names' | grep -q '^Champions,.*Lost'"
# The names and the thresholds that pick them are rules (kmeans.name.*,
# kmeans.recent_max_z, kmeans.engaged_min_z).
cat > "$WORK/names.rules" <<'EOF'
kmeans.name.champions = Stars
kmeans.name.loyal = Regulars
kmeans.name.new = Newcomers
kmeans.name.at_risk = Slipping
kmeans.name.lost = Gone
kmeans.name.other = Group
EOF
want=$(echo "$names" | sed 's/Champions/Stars/; s/Loyal/Regulars/g; s/New/Newcomers/g; s/At Risk/Slipping/g; s/Lost/Gone/g')
expect "kmeans.name.*: the same clusters under the names of the rules" "$want" \
	"$(crm-kmeans --rules "$WORK/names.rules" --json "$WORK/rfm.tsv" | jq -r '[.clusters[].name] | join(",")')"
expect "kmeans.name.other: clusters of other features" "Group 1,Group 2,Group 3" \
	"$(crm-kmeans --rules "$WORK/names.rules" --features a,b,c --no-log1p -k 3 --json "$WORK/blobs.tsv" | jq -r '[.clusters[].name] | join(",")')"
printf 'kmeans.engaged_min_z = 100\nkmeans.recent_max_z = 100\n' > "$WORK/z.rules"
expect "kmeans.engaged_min_z, kmeans.recent_max_z: no cluster engaged, every one recent" "New,New 2,New 3,New 4" \
	"$(crm-kmeans --rules "$WORK/z.rules" --json "$WORK/rfm.tsv" | jq -r '[.clusters[].name] | join(",")')"
crm-kmeans --profile "$WORK/rfm.tsv" > "$WORK/p.tsv"
check "--profile: 4 clusters; cluster 1 orders most often, the last least recently" \
	"awk -F'\t' 'NR > 1 { f[NR] = \$7; r[NR] = \$5; n = NR } END { if (n != 5) exit 1; for (i = 3; i <= n; i++) if (f[i] > f[2]) exit 1; for (i = 2; i < n; i++) if (r[i] > r[n]) exit 1 }' $WORK/p.tsv"

n=$(crm-kmeans --features recency,frequency,monetary,tenure --profile "$WORK/rfm.tsv" | head -1 | tr '\t' '\n' | grep -c tenure)
expect "tenure (crm-rfm's last column) as a fourth feature" 2 "$n"

# A negative feature with log1p (a monetary net of returns above
# purchases) is clamped to 0, counted on standard error; the profile keeps
# the values as read, and the clusters are those of the same table with 0
# written in their place.
golden negative
t crm-kmeans -k 2 --profile data/net_negative.tsv
t "crm-kmeans -k 2 data/net_negative.tsv | cut -f1,4-"
t crm-kmeans -k 2 --no-log1p --profile data/net_negative.tsv
golden_end
awk -F'\t' -v OFS='\t' 'NR > 1 && $4 < 0 { $4 = "0.00" } { print }' data/net_negative.tsv > "$WORK/zero.tsv"
crm-kmeans -k 2 data/net_negative.tsv 2> /dev/null | cut -f5- > "$WORK/neg.cl"
crm-kmeans -k 2 "$WORK/zero.tsv" | cut -f5- > "$WORK/zero.cl"
same "a negative monetary clusters as 0 does" "$WORK/neg.cl" "$WORK/zero.cl"

# The README pipeline on a messy invoice export cleaned as crm-clean(1)
# shows: some customers return more than they buy in the period.
if [ "$SAN" = 1 ]; then MC=2000 MS=3; else MC=20000 MS=1; fi
crm-gen --customers $MC --seed $MS --format invoice --messy 20 --no-category --products "$WORK/p.tsv" > "$WORK/e.csv"
crm-clean --map order_id=InvoiceNo,sku=StockCode,qty=Quantity,date=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID \
	--date-format mdy --products "$WORK/p.tsv" "$WORK/e.csv" > "$WORK/mtx.tsv" 2> /dev/null
crm-rfm "$WORK/mtx.tsv" > "$WORK/mrfm.tsv" 2> "$WORK/mrfm.err"
neg=$(awk -F'\t' 'NR > 1 && $4 < 0' "$WORK/mrfm.tsv" | wc -l)
rows=$(($(wc -l < "$WORK/mrfm.tsv") - 1))
check "messy export: $neg of $rows customers with a net-negative monetary" "[ $neg -gt 0 ] && [ $rows -gt 1000 ]"
check "messy export: crm-rfm says how many" "grep -q '^crm-rfm: $neg customers\\? ha[sv]e\\? a net-negative monetary value' $WORK/mrfm.err"
crm-kmeans --json --elbow 2-8 "$WORK/mrfm.tsv" > "$WORK/mk.json" 2> "$WORK/mk.err"
expect "messy export: crm-rfm | crm-kmeans --json --elbow 2-8 exits 0" 0 $?
check "messy export: crm-kmeans says how many it clamped" \
	"grep -q '^crm-kmeans: .*: $neg rows\\? with a negative monetary clamped to 0 before log1p' $WORK/mk.err"
check "messy export: the document clusters every customer, elbow 2-8" \
	"[ -s $WORK/mk.json ] && jq -e '.rows == $rows and ([.clusters[].customers] | add) == $rows and (.clusters | length) == 4 and ([.elbow[].k] == [2,3,4,5,6,7,8]) and .inertia > 0' $WORK/mk.json"

# Fewer distinct points than k: k comes down to their number, said on
# standard error, and no empty cluster is named or written.
golden degenerate
t crm-kmeans --profile data/all_same.tsv
t crm-kmeans data/two_points.tsv
t crm-kmeans --profile -k 2 data/two_points.tsv
t crm-kmeans --elbow 2-5 data/all_same.tsv
t crm-kmeans --elbow 1-4 data/two_points.tsv
t "crm-kmeans --json --elbow 2-6 data/two_points.tsv | jq -c '[.k, .elbow, [.clusters[] | [.name, .customers]]]'"
golden_end
n=$(crm-kmeans -k 6 --profile data/two_points.tsv 2> /dev/null | awk -F'\t' 'NR > 1 && $3 == 0' | wc -l)
expect "no cluster of 0 customers" 0 "$n"

printf 'id\trecency\tfrequency\tmonetary\nc1\t3\t2\t10.5\nc2\t5\tmany\t8\n' > "$WORK/bad.tsv"
printf 'id\trecency\tfrequency\tmonetary\nc1\t3\t2\t-10.5\nc2\t5\t1\t8\n' > "$WORK/neg.tsv"
golden errors
t crm-kmeans "$WORK/bad.tsv"
t crm-kmeans -k 5 --no-log1p "$WORK/neg.tsv"
t crm-kmeans -k 2 --no-log1p "$WORK/neg.tsv"
t crm-kmeans --features recency,tenure "$WORK/neg.tsv"
t crm-kmeans -k 0 "$WORK/neg.tsv"
t crm-kmeans --elbow 5-2 "$WORK/neg.tsv"
t "crm-kmeans -k 2 --no-log1p $WORK/neg.tsv | crm-kmeans -k 2 --no-log1p"
golden_end
finish
