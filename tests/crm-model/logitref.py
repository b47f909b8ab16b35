# logitref.py MODEL ROWS LAMBDA: the logistic-regression baseline that
# crm-model train keeps in MODEL, against scikit-learn's LogisticRegression
# fitted on the same training rows (labelled, as_of up to the card's
# training end), standardised the same way, with C = 1 / (LAMBDA N).
import json, math, sys, warnings
import numpy as np
from sklearn.linear_model import LogisticRegression
warnings.filterwarnings("ignore")

m = json.load(open(sys.argv[1]))["learner"]["attributes"]
feats = m["crm_features"].split("\t")
to = m["crm_train_to"]
lines = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
col = {c: i for i, c in enumerate(lines[0])}
X, y = [], []
for r in lines[1:]:
    if r[col["label_churn"]] == "" or r[col["as_of"]] > to:
        continue
    X.append([float(r[col[f]]) if r[col[f]] != "" else math.nan for f in feats])
    y.append(int(r[col["label_churn"]]))
X = np.array(X, dtype=np.float32).astype(np.float64); y = np.array(y)
mean = np.nanmean(X, axis=0)
sd = np.nanstd(X, axis=0, ddof=1)
sd = np.where((np.sum(~np.isnan(X), axis=0) > 1) & (sd > 0), sd, 1)
Z = np.where(np.isnan(X), 0, (X - mean) / sd)
lam = float(sys.argv[3])
lr = LogisticRegression(C=1 / (lam * len(y)), tol=1e-12, max_iter=100000, solver="newton-cg")
lr.fit(Z, y)
got = [float(v) for v in m["crm_logit"].split("\t")]
want = [lr.intercept_[0]]
for j in range(len(feats)):
    assert abs(got[1 + 3 * j] - mean[j]) <= 1e-6 * max(1, abs(mean[j])), (feats[j], "mean")
    assert abs(got[2 + 3 * j] - sd[j]) <= 1e-6 * max(1, abs(sd[j])), (feats[j], "sd")
    want.append(lr.coef_[0][j])
gw = [got[0]] + [got[3 + 3 * j] for j in range(len(feats))]
err = max(abs(a - b) for a, b in zip(gw, want))
assert err < 1e-6, (err, gw, want)
print("rows %d, features %d, largest coefficient difference %.2g" % (len(y), len(feats), err))
