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
#include "tmpfile.h"

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

/* An item of an allocation's order: a hull step, or a baseline's offer to
 * a customer. The order is by key (ratio_key, or a baseline's), then the
 * exact ratio dp / dc (hull steps), then the customer's place g in the
 * brand (key order) and the step. */
typedef struct {
	uint64_t key;
	int64_t dp, dc;            /* micro minor units */
	uint32_t g;
	uint8_t step;
	uint8_t after;             /* spool.c: the step before it is not in the head */
} Item;

/* Heap: items with the last in their order on top, and their spend. */
typedef struct {
	Item *a;
	size_t n, cap;
	__int128 sum;
	int64_t max;               /* the highest dc (Sel.grid) */
} Heap;

/* Sel: the items of one order (the plan's steps, or a baseline's offers)
 * that a walk with a budget may still reach, kept while reading
 * (select.c). */
enum { SEL_CLASSES = 256 };
typedef struct {
	int tails;                 /* keep the items after the head (--partial) */
	int ratio;                 /* break key ties by the exact ratio */
	int64_t budget, cmax;      /* cmax: the most any item can cost */
	Heap pre;                  /* the head of the order within the budget, and one more (unordered) */
	size_t cut_at;             /* pre.n at which sel_cut selects the head again */
	__int128 head_sum;         /* the spend of the head at the last cut */
	Item last;                 /* its last item in order (has_last) */
	int has_last;
	Item *tail;                /* items after it not yet shown out of reach */
	size_t ntail, tailcap;
	Heap grid[SEL_CLASSES];    /* per cost class: first tail items of no higher class costing cmax */
	int top;                   /* cmax's class */
} Sel;

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
	int partial;               /* --partial: write the customers a global plan may reach */
	char **combine;            /* --combine: the partials, NULL-terminated */
	struct Part *parts;        /* partial.c */
	size_t nparts;
	int64_t budget_part;       /* the partials' budget of the brand being read */
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
	Offer *last;               /* the last customer's offer of each campaign (cust_offers) */
	uint8_t *last_ok;          /* ... when eligible for it */
	size_t lastcap;
	Offer *cand;               /* --exact: every customer's positive offers, in order */
	size_t ncand, candcap;
	uint32_t *rank;            /* per customer: 1 for the plan's best offer per unit of spend */
	size_t rankcap;
	/* While reading a brand with a budget: only the customers some order
	 * may still reach are kept (select.c); gid: their place in the brand. */
	int selecting, spooling;   /* spooling: the customers wait in a temporary file (spool.c) */
	TmpFile spool;
	char *sbuf;
	size_t sbn;
	uint8_t *need;             /* per customer place: 0, or 1 + the hull points a walk may reach */
	Tsv *src;                  /* the input the customers come from, for messages */
	int64_t budget;            /* the brand's, micro minor units; INT64_MAX: none */
	Sel sel[1 + NBASE];        /* the plan's steps, then the baselines' offers */
	uint32_t *gid;
	size_t gidcap, compact_at;
	uint64_t bcust, bcand;     /* the brand's customers (scored) and those with an offer worth making */
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

/* ratio_key returns a sort key, ascending for profit per unit of spend
 * DP / DC descending. */
uint64_t ratio_key(int64_t dp, int64_t dc);

/* ---- order.c ---- */

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

/* cust_add adds customer (C, CN) of U's p, CLV, tier and segment to the
 * brand being read: its offers, hull and, when kept, the customer; T (at
 * its row) names the input in errors. */
void cust_add(Ctx *X, const BrandRules *br, const char *c, size_t cn, Cust *u, Tsv *t);

/* cust_keep appends customer U (key C, CN; place G), its hull built at
 * U->h_off, to the brand's customers. */
void cust_keep(Ctx *X, const char *c, size_t cn, Cust *u, uint32_t g);

/* cust_reserve makes room for NCUST customers, NHULL hull points and
 * NKEYS bytes of keys, so that arrays of a known size do not double. */
void cust_reserve(Ctx *X, size_t ncust, size_t nhull, size_t nkeys);

/* brand_start empties X for brand BR's customers. */
void brand_start(Ctx *X, const BrandRules *br);

/* brand_parse_tier and brand_parse_seg return the index of a tier or a
 * segment named F of BR, or NO_CLASS when F is empty; -2 when unknown. */
int brand_parse_tier(const BrandRules *br, Field f);
int brand_parse_seg(const BrandRules *br, Field f);

/* parse_prob reads a probability "0.25" into millionths; NULL or why not. */
const char *parse_prob(Field f, int64_t *v);

/* ---- select.c ---- */

/* select_start readies X's selection for brand BR with budget X->budget
 * (off without a budget, or with --exact). */
void select_start(Ctx *X, const BrandRules *br);

/* select_customer offers customer U's items (hull steps, baseline offers)
 * to the selection; returns whether one is kept. */
int select_customer(Ctx *X, const BrandRules *br, const Cust *u, uint32_t g);

/* select_compact drops the customers no kept item refers to. */
void select_compact(Ctx *X);

/* sel_cut keeps in S->pre only the items whose better-ranked items cost
 * at most the budget (the head and one more), by selection, not sorting;
 * the others go to the tail (--partial) or are dropped. */
void sel_cut(Sel *s);

/* cust_items fills IT with customer U's items (hull steps, baseline
 * offers; at most 64 + NBASE) and SI with the selection of each; returns
 * how many. */
size_t cust_items(const Ctx *X, const BrandRules *br, const Cust *u, uint32_t g, Item *it, int *si);

/* item_cmp orders A and B in S's order; heap_push and heap_pop keep H
 * with the last item on top. */
int item_cmp(const Sel *s, const Item *a, const Item *b);
void heap_push(const Sel *s, Heap *h, Item it);
Item heap_pop(const Sel *s, Heap *h);

/* ---- spool.c ---- */

/* spool_start opens the brand's temporary file of customers; spool_put
 * writes customer U (key C, CN) to it. */
void spool_start(Ctx *X);
void spool_put(Ctx *X, const char *c, size_t cn, const Cust *u);

/* spool_finish reads the customers back, as often as the walks after the
 * head of their orders need (select.c), and keeps those a walk may reach
 * as the brand's customers; closes the file. */
void spool_finish(Ctx *X, const BrandRules *br);

/* cust_offers computes U's offers and hull at the end of X->hull (see
 * read.c). */
void cust_offers(Ctx *X, const BrandRules *br, Cust *u, Tsv *t);

/* base_items fills IT with the baselines' items of customer U (place G),
 * SI with their selections (1 + the baseline); returns how many: none
 * when U is not eligible for target.baseline_campaign. U's offers must
 * be those cust_offers made last. */
size_t base_items(const Ctx *X, const BrandRules *br, const Cust *u, uint32_t g, Item *it, int *si);

/* ---- partial.c ---- */

/* partial_header writes the header of --partial's output; partial_rows a
 * brand's statistics and the customers kept. */
void partial_header(const Ctx *X, Out *o);
void partial_rows(const Ctx *X, const Plan *pl, Out *o);

/* combine_open opens X->combine's partials; combine_brand reads the next
 * brand's customers from their merge, like read_brand, and sets *UNSCORED
 * to the brand's customers without a score; combine_close. */
void combine_open(Ctx *X);
const BrandRules *combine_brand(Ctx *X, char **brand, size_t *bn, uint64_t *unscored);
void combine_close(Ctx *X);

/* brand_budget returns brand BR's budget in micro minor units: --budget,
 * else target.budget; INT64_MAX when there is none. */
int64_t brand_budget(const Ctx *X, const BrandRules *br);

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

/* put_cust writes customer U's (brand,) customer_id of plan PL,
 * put_values its p_churn and clv, each column with a tab after it;
 * put_class its tier, a tab and its segment: the columns the plan's rows
 * and a partial's share. */
void put_cust(const Ctx *X, const Plan *pl, const Cust *u, Out *o);
void put_values(const Ctx *X, const Cust *u, Out *o);
void put_class(const BrandRules *br, const Cust *u, Out *o);

/* tier_name and seg_name return the name of tier or segment index T of
 * BR, "" for none. */
const char *tier_name(const BrandRules *br, int t);
const char *seg_name(const BrandRules *br, int s);

/* write_json writes the summary document of every brand planned. */
void write_json(const Ctx *X, Out *o);

#endif
