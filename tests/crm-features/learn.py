# learn.py FEATURES: on the latest labelled snapshot, boosted trees trained on
# the earlier ones must rank churners better than recency_days alone (ROC
# AUC higher by 0.03 at least): the churn process is learnable.
import sys
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

d = pd.read_csv(sys.argv[1], sep="\t")
d = d[d.label_churn.notna()]
feats = [c for c in d.columns if c not in ("brand", "customer_id", "as_of", "label_churn", "label_revenue", "rules_id")]
last = d.as_of.max()
train, test = d[d.as_of < last], d[d.as_of == last]
m = HistGradientBoostingClassifier(random_state=0).fit(train[feats], train.label_churn)
auc = roc_auc_score(test.label_churn, m.predict_proba(test[feats])[:, 1])
rec = roc_auc_score(test.label_churn, test.recency_days.fillna(1e9))
print("model AUC %.3f, recency AUC %.3f" % (auc, rec))
sys.exit(0 if auc >= rec + 0.03 else 1)
