"""sim.py KIND N SEED RULES_ID: N customers drawn from known parameters, as
a table of crm-clv --counts (days; 7 days a week). KIND bgnbd: BG/NBD
r=0.5, alpha=5 (weeks), a=0.8, b=2.5, and Gamma-Gamma p=6, q=4, v=15 for
the spend of each repeat purchase; KIND nbd: no dropout at all (r=0.5,
alpha=5), where BG/NBD's maximum lies on the boundary. Each customer is
observed from the first purchase for 26 to 78 weeks."""
import sys

import numpy as np

kind, n, seed, rid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = np.random.default_rng(seed)
r, alpha, a, b = 0.5, 5.0, 0.8, 2.5
p, q, v = 6.0, 4.0, 15.0
print("kind\tx\tt_x\tT\tm\tn\trules_id")
for _ in range(n):
    T = rng.uniform(26, 78)
    lam = rng.gamma(r, 1 / alpha)
    drop = rng.beta(a, b) if kind == "bgnbd" else 0.0
    t, x, t_x = 0.0, 0, 0.0
    while True:
        t += rng.exponential(1 / lam)
        if t > T:
            break
        x, t_x = x + 1, t
        if rng.uniform() < drop:
            break
    print("tx\t%d\t%.6f\t%.6f\t\t1\t%s" % (x, t_x * 7, T * 7, rid))
    if x > 0:
        nu = rng.gamma(q, 1 / v)
        m = rng.gamma(p, 1 / nu, size=x).mean()
        print("gg\t%d\t\t\t%.6f\t1\t%s" % (x, m, rid))
