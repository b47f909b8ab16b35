"""crm-kmeans's job done with scikit-learn: the same features, log1p, the
same standardization (z-scores, population sd), KMeans(k, n_init) with
k-means++ starts; prints the final inertia and, with a third argument, the
silhouette over every row (for small inputs).
Usage: python3 kmeans-sklearn.py TABLE.tsv K [silhouette] [--no-log1p]
(features recency,frequency,monetary)"""
import sys
import numpy as np
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler
import pandas as pd

path, k = sys.argv[1], int(sys.argv[2])

x = pd.read_csv(path, sep="\t", usecols=["recency", "frequency", "monetary"])[["recency", "frequency", "monetary"]].to_numpy(np.float64)
z = StandardScaler().fit_transform(x if "--no-log1p" in sys.argv else np.log1p(x))
km = KMeans(n_clusters=k, n_init=10, random_state=1).fit(z)
print(f"{km.inertia_:.6f}")
if "silhouette" in sys.argv:
    from sklearn.metrics import silhouette_score
    print(f"{silhouette_score(z, km.labels_):.6f}")
