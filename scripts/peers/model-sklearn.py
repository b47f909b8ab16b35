#!/usr/bin/env python3
"""model-sklearn.py FEATURES VALID_SNAPSHOTS: scikit-learn's
HistGradientBoostingClassifier on crm-model's time split of the same rows
(train on the earlier labelled snapshots, measure on the latest
VALID_SNAPSHOTS), with crm-model's default depth, learning rate and rounds
(early stopping on an internal 10% split: scikit-learn takes no explicit
validation set). Prints the validation ROC AUC."""
import sys

import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

df = pd.read_csv(sys.argv[1], sep="\t", dtype={"customer_id": str, "brand": str, "as_of": str},
                 keep_default_na=False, na_values=[""])
meta = {"brand", "customer_id", "as_of", "label_churn", "label_revenue", "rules_id", "churn_reason"}
feats = [c for c in df.columns if c not in meta]
lab = df[df["label_churn"].notna()]
days = sorted(lab["as_of"].unique())
cut = days[-int(sys.argv[2])]
tr, va = lab[lab["as_of"] < cut], lab[lab["as_of"] >= cut]
m = HistGradientBoostingClassifier(max_depth=4, learning_rate=0.1, max_iter=400, early_stopping=True,
                                   n_iter_no_change=30, validation_fraction=0.1, random_state=1)
m.fit(tr[feats], tr["label_churn"].astype(int))
print("%.6f" % roc_auc_score(va["label_churn"].astype(int), m.predict_proba(va[feats])[:, 1]))
