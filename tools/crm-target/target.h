/* crm-target internals.
 *
 * Data flow: read.c merges the value stream (crm-clv) with the optional
 * score (crm-model predict), tier (crm-tier, crm-churn) and segment (crm-rfm)
 * streams on the customer key, one brand at a time, into Cust records with
 * each customer's offers worth making (profit.c) and their convex hull.
 * plan.c allocates the brand's budget (greedy over the hulls, the LP bound,
 * the budget curve; exact.c with --exact), base.c measures the naive
 * baselines with the same budget, and write.c writes the targeted customers
 * as TSV and the brand's part of the JSON summary.
 *
 * Units: money in minor units (int64); p and the rates in millionths; an
 * offer's expected profit and spend in micro minor units (10^-6 of a minor
 * unit), rounded half away from zero from the exact products, so that every
 * comparison is of exact integers and the order never depends on floating
 * point. */
#ifndef CRM_TARGET_H
#define CRM_TARGET_H

#include "brandrules.h"
#include "keystream.h"
#include "out.h"
#include "progress.h"

#include <stddef.h>
#include <stdint.h>

enum { MICRO = 1000000 };   /* micro minor units per minor unit; millionths per 1 */
enum { LIST_MAX = 100 };    /* targeted customers listed in the JSON summary */
enum { NO_CLASS = -1 };     /* a customer without a tier or segment */

/* One point of a customer's hull: the spend and profit of offering
 * campaign camp (micro minor units) to customer cust; step is its place on
 * the hull. The step onto it (from the point before, or from no offer)
 * is one item of the allocation's order. */
typedef struct {
	int64_t cost, profit;
	uint32_t cust;
	uint8_t camp, step;
} Point;

/* A customer of the brand being planned, in input (key) order. */
typedef struct {
	int64_t clv;               /* minor units */
	uint32_t key_off;          /* customer_id in the brand's key arena */
	int32_t p;                 /* churn probability, millionths */
	uint32_t h_off;            /* the hull: points h_off .. h_off + nh - 1 */
	uint16_t key_n;
	int16_t tier, seg;         /* index in tier.order (ntiers: tier.inactive), rfm segment; NO_CLASS */
	uint8_t nh, npos;          /* --exact: the positive offers follow those of the customers before */
	int8_t pick;               /* the greedy plan's hull point, -1: none */
	int8_t camp;               /* the plan's campaign (greedy or --exact), -1: none */
} Cust;

/* An offer of one campaign to one customer. */
typedef struct {
	int64_t cost, profit, saved, wasted; /* micro minor units */
	int camp;
} Offer;

/* Totals of a plan or a baseline (micro minor units). */
typedef struct {
	uint64_t targeted;
	int64_t spend, profit, saved, wasted, contact;
} Totals;

/* One point of the budget curve. */
typedef struct {
	int64_t budget, spend, profit, bound; /* micro minor units */
} CurvePoint;

/* A baseline policy measured with the plan's budget. */
enum { BASE_P, BASE_CLV, BASE_TIER, NBASE };
extern const char *const base_name[NBASE];

/* A campaign's part of the plan. */
typedef struct {
	uint64_t targeted;
	int64_t spend, profit;
	uint64_t *by_tier;         /* ntiers + 2: tier.order, tier.inactive, none */
	uint64_t *by_seg;          /* nseg + 1: rfm.segments, none */
} CampSum;

/* A customer of the plan, kept for the JSON summary. */
typedef struct {
	char *id;
	Cust u;
	Offer o;
	uint32_t rank;
} TopRow;

/* The plan of one brand. */
typedef struct {
	const char *brand;         /* NULL: no brand column */
	size_t brand_n;
	const BrandRules *br;
	int64_t budget;            /* micro minor units; INT64_MAX: none */
	int64_t base_budget;       /* the baselines': the budget, or the plan's spend */
	uint64_t customers, candidates, unscored;
	Totals plan;               /* the plan: greedy, or exact with --exact */
	Totals greedy;
	int64_t bound;             /* the LP bound */
	uint64_t exact_nodes;
	int has_exact;
	Totals base[NBASE];
	int has_base[NBASE];
	CampSum *camp;
	CurvePoint *curve;
	size_t ncurve;
	TopRow *top;               /* the plan's first LIST_MAX customers by rank */
	size_t ntop;
} Plan;

/* Ctx: the state of one run, passed to every phase. */
typedef struct {
	RulesCache rc;
	char rid[17];
	int decimals;
	int32_t as_of;             /* NO_DAY: the latest of each stream */
	int64_t budget_opt;        /* --budget, minor units */
	int budget_given, budget_none;
	int exact;
	const char *json_path;
	KeyStream clv, score, tier, seg;
	int has_score, has_tier, has_seg, has_brand;
	int pc, vc;                /* p_churn or p_alive, clv columns of their streams */
	int sac, stc, tmc, ttc, sgc; /* scores' as_of; tiers' month, tier; segments' segment */
	/* The brand being read. */
	Cust *cust;
	size_t ncust, custcap;
	char *keys;
	size_t keys_n, keys_cap;
	Point *hull;
	size_t nhull, hullcap;
	Offer *cand;               /* --exact: every customer's positive offers, in order */
	size_t ncand, candcap;
	uint32_t *rank;            /* per customer: 1 for the plan's best offer per unit of spend */
	size_t rankcap;
	Plan *plans;
	size_t nplans;
	uint64_t rows, scores_read, tiers_read, segs_read;
	uint64_t targeted, candidates, unscored;
	Progress pg;
} Ctx;

/* ---- profit.c ---- */

/* offer_value fills O with the expected profit, spend, value saved and
 * incentives wasted of offering campaign C (index CI) to a customer of
 * churn probability P (millionths) and lifetime value CLV (minor units);
 * returns -1 when a figure is beyond 64 bits. */
int offer_value(Offer *o, const TargetCampaign *c, int ci, int64_t p, int64_t clv);

/* build_hull fills H (room for N points) with the upper convex hull, from
 * the origin, of the offers O[0..N) (positive profits only), sorted by cost,
 * for customer CUST; returns its size. */
size_t build_hull(Point *h, const Offer *o, size_t n, uint32_t cust);

/* step_delta sets *DP and *DC to the profit and spend of the step onto
 * hull point H. */
void step_delta(const Point *h, int64_t *dp, int64_t *dc);

/* ratio_cmp orders two increments by dprofit / dcost, higher first, exactly
 * (a zero dcost is the highest); 0 when equal. */
int ratio_cmp(int64_t dp1, int64_t dc1, int64_t dp2, int64_t dc2);

/* ---- order.c ---- */

/* sort_u64 sorts N (key, index) pairs by key then index, a stable radix
 * sort; the indexes must come in ascending order. */
void sort_u64(uint64_t *key, uint32_t *idx, size_t n);

/* Order: items visited in key order, bucket by bucket (order.c). */
enum { ORDER_BUCKETS = 1 << 16 };
typedef struct {
	uint64_t *key;
	uint32_t *idx;
	size_t n, *start;          /* start[b]: the first item of bucket b */
	int shift;
	size_t bucket, pos, end;   /* the walk: items pos .. end of the bucket before bucket */
	int (*tie)(uint32_t a, uint32_t b, const void *ctx);
	const void *ctx;
} Order;

/* OrderKey sets *KEY to item I's key and returns 1, or returns 0 when I is
 * not to be visited. */
typedef int (*OrderKey)(uint32_t i, const void *ctx, uint64_t *key);

/* order_init makes O a walk over the items 0 .. N - 1 that KEYOF keeps, by
 * key, then index or TIE (not NULL: <0 when A comes first among equal
 * keys); CTX goes to both. order_next sets *IDX to the next item; returns
 * 0 at the end. */
void order_init(Order *o, size_t n, OrderKey keyof,
		int (*tie)(uint32_t a, uint32_t b, const void *ctx), const void *ctx);
int order_next(Order *o, uint32_t *idx);
/* order_ahead returns the item K places after the last one order_next
 * gave, within its bucket, or UINT32_MAX: a walk prefetches its data, since
 * items in key order are scattered in memory. */
static inline uint32_t order_ahead(const Order *o, size_t k)
{
	return o->pos + k - 1 < o->end ? o->idx[o->pos + k - 1] : UINT32_MAX;
}
void order_free(Order *o);

/* ---- read.c ---- */

/* read_open opens the streams: CLV_PATH (crm-clv, "-": stdin) and those of
 * the options (NULL: not given). */
void read_open(Ctx *X, const char *clv_path, const char *score_path, const char *tier_path,
	       const char *seg_path);
void read_close(Ctx *X);

/* read_brand reads the next brand's customers into X (emptied first): each
 * with p, CLV, tier and segment, its positive offers and their hull.
 * Returns the brand's rules, or NULL at the end of the input; *BRAND
 * (owned by X until the next call) and *BN get its name. */
const BrandRules *read_brand(Ctx *X, char **brand, size_t *bn);

/* campaign_eligible says whether campaign C of BR may be offered to U. */
int campaign_eligible(const BrandRules *br, const TargetCampaign *c, const Cust *u);

/* cust_key returns customer C's customer_id (C->key_n bytes), owned by X. */
const char *cust_key(const Ctx *X, const Cust *c);

/* ---- plan.c ---- */

/* plan_brand allocates the budget of PL over X's customers: the greedy
 * plan (Cust.pick), the LP bound, the budget curve and the ranks. */
void plan_brand(Ctx *X, Plan *pl);

/* plan_add adds offer O, of contact cost CONTACT, to T, dying on overflow. */
void plan_add(Totals *t, const Offer *o, int64_t contact);

/* ---- exact.c ---- */

/* plan_exact solves PL's allocation exactly by branch and bound (Cust.xpick,
 * PL->exact); dies when the instance is too large for it. */
void plan_exact(Ctx *X, Plan *pl);

/* ---- base.c ---- */

/* plan_baselines measures the naive policies with PL->base_budget. */
void plan_baselines(Ctx *X, Plan *pl);

/* ---- write.c ---- */

/* write_header writes the TSV header; write_rows the targeted customers of
 * the brand just planned, in key order. */
void write_header(const Ctx *X, Out *o);
void write_rows(const Ctx *X, const Plan *pl, Out *o);

/* write_json writes the summary document of every brand planned. */
void write_json(const Ctx *X, Out *o);

#endif
