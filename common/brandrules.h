/* brandrules: the rules of one brand, read once, typed and checked.
 *
 * Each concern (money, windows, tiers, churn, RFM, k-means, cleaning) has a
 * struct holding its keys as C values: numbers in the units the tools
 * compute in, enumerated values as C enums, lists split into names. Its
 * loader reads the keys for one brand from the effective Rules and runs the
 * checks that take more than one key. A RulesCache hands out one
 * BrandRules per brand: a brand without a [brand] section of its own shares
 * the defaults' struct, so every tool applies the same values to a row.
 *
 * Key to code: money.decimals and period.* -> MoneyRules; money.currency
 * -> BrandRules.currency; exclude.categories -> BrandRules.exclude;
 * window.* -> WindowRules; tier.* -> TierRules; churn.* -> ChurnRules;
 * rfm.* -> RfmRules; kmeans.* -> KmeansRules; clean.* -> CleanRules;
 * target.* and campaign.* -> TargetRules. The
 * checks of keys against each other made while loading stay in rules_check.c;
 * those a loader makes are in its contract comment (brandrules.c).
 *
 * Memory: the *_load functions fill a struct whose strings point into R or
 * are owned by the struct (freed by the matching *_free); a RulesCache owns
 * its Rules and every struct it hands out (rules_cache_close). */
#ifndef CRM_BRANDRULES_H
#define CRM_BRANDRULES_H

#include "rules.h"

#include <stddef.h>
#include <stdint.h>

/* money.decimals, period.max_months: global keys. */
typedef struct {
	int decimals;
	int64_t max_months;
} MoneyRules;

/* window.*: months of the moving windows. */
typedef struct {
	int frequency, monetary, activity;
} WindowRules;

/* tier.*: the tiers, best first, and the inactive tier's name. A limit not
 * set ("none") has has_* 0; t_* hold the values as written ("none"). */
typedef struct {
	size_t ntiers;
	char **tiers;
	size_t *tier_len;
	char *inactive;
	size_t inactive_len;
	int64_t *avg_monthly, *orders, *avg_order; /* minimums: minor units; orders */
	int *has_avg_monthly, *has_orders, *has_avg_order;
	const char **t_avg_monthly, **t_orders, **t_avg_order;
} TierRules;

/* churn.*: which tiers are watched and the limits of a drop. */
typedef struct {
	size_t ntiers;
	char **tiers;
	size_t *tier_len;
	int recent_months;
	int64_t min_gap_days;
	int64_t gap_factor, drop_ratio;   /* millionths */
	const char *t_gap_factor, *t_drop_ratio; /* as written */
} ChurnRules;

/* rfm.*: scores and segments. A measure's cuts are quantiles, or the
 * bins - 1 inclusive upper bounds of the lower scores (days, orders, minor
 * units); weights and their sum are in millionths. */
enum { RFM_R, RFM_F, RFM_M, RFM_MAXBINS = 9 };
typedef struct {
	char *label, *action;
	char *name;                /* the name in rfm.segments */
	int lo[3], hi[3];          /* score ranges, indexed by RFM_R, RFM_F, RFM_M */
} RfmSegment;
typedef struct {
	int32_t period_days, period_months;
	int bins;
	int quantile[3];
	int64_t cut[3][RFM_MAXBINS];
	int64_t w[3], wsum;
	size_t nseg;
	RfmSegment *seg;
} RfmRules;

/* kmeans.* (global). A cluster is recent when its mean standardized
 * recency is at most recent_z, engaged when its mean standardized
 * frequency plus monetary exceeds engaged_z (both millionths). */
enum { KM_CHAMPIONS, KM_LOYAL, KM_NEW, KM_AT_RISK, KM_LOST, KM_NNAMES };
typedef struct {
	int k, n_init, max_iter;
	uint64_t seed;
	int64_t tol;                /* millionths */
	size_t silhouette_sample;
	int log1p;
	size_t nfeatures;
	char **features;
	int64_t recent_z, engaged_z; /* millionths */
	const char *name[KM_NNAMES]; /* indexed by KM_* */
	const char *name_other;      /* "Cluster": without RFM features */
} KmeansRules;

/* clean.*: how crm-clean reads an export. The enums follow the order of
 * the words in the key's definition (rules_keys.c). */
typedef enum { CD_AUTO, CD_ISO, CD_MDY, CD_DMY, CD_DMY_DOT, CD_YMD } CleanDateFormat;
typedef enum { CR_KEEP, CR_DROP, CR_NET } CleanReturns;
typedef enum { CE_PASS, CE_UTF8 } CleanEncoding;
enum { CC_CUSTOMER, CC_DATE, CC_SKU, CC_CATEGORY, CC_QTY, CC_AMOUNT, CC_UNIT_PRICE,
       CC_ORDER, CC_BRAND, CC_NCOLS };
extern const char *const clean_column_names[CC_NCOLS]; /* "customer_id", ... */
typedef struct {
	const char *column[CC_NCOLS];  /* clean.column.*, indexed by CC_* */
	int price_decimals;            /* at least money.decimals */
	CleanDateFormat date_format;
	int id_drop_zero_decimals;
	const char *cancel_prefix;
	CleanReturns returns;
	int zero_price_keep;
	int64_t max_amount, max_qty;   /* minor units; units */
	int has_max_amount, has_max_qty;
	int dedup_exact;
	CleanEncoding encoding;
	int max_record_lines;
} CleanRules;

/* target.* and campaign.*: crm-target's retention campaigns, in the order of
 * target.campaigns. Rates are in millionths (0 to 1000000), amounts in minor
 * units. A campaign offered to every customer has all_eligible 1; else
 * eligible names tiers or RFM segments. */
typedef struct {
	char *name;
	int64_t cost, incentive;         /* minor units */
	int64_t accept, stayer_accept;   /* millionths */
	int all_eligible;
	NameList eligible;
} TargetCampaign;
typedef struct {
	size_t ncamp;
	TargetCampaign *camp;
	size_t baseline;                 /* target.baseline_campaign: an index of camp */
	int64_t budget;                  /* minor units, with has_budget */
	int has_budget;
	int curve_points;
} TargetRules;

/* The rules of one brand, or of every brand without a section. */
typedef struct {
	const char *section;   /* the [brand] section in effect, NULL: defaults */
	const char *currency;  /* money.currency */
	NameList exclude;      /* exclude.categories */
	WindowRules win;
	TierRules tier;
	ChurnRules churn;
	RfmRules rfm;
	CleanRules clean;
	TargetRules target;
} BrandRules;

typedef struct {
	Rules *rules;
	MoneyRules money;
	KmeansRules kmeans;
	BrandRules *def;        /* the defaults */
	BrandRules **sect;      /* per section of rules->brands */
	char **seen;            /* brands looked up, with their rules */
	size_t *seen_len;
	const BrandRules **seen_br;
	size_t nseen, last;     /* last: the index of the latest lookup */
} RulesCache;

/* rules_cache_open loads the rules (rules_load: PATH, or $CRM_RULES) and
 * every concern of the defaults and of each [brand] section, so that a
 * cross-key error stops the tool before it reads a row; any error is fatal
 * and names file and line. rules_cache_init does the same with rules
 * already loaded, which C then owns. */
void rules_cache_open(RulesCache *c, const char *path);
void rules_cache_init(RulesCache *c, Rules *r);
void rules_cache_close(RulesCache *c);

/* brand_rules returns the rules of brand B (N bytes; N = 0: no brand
 * column) owned by C. The first lookup of a brand notes it as seen
 * (rules_brand_seen); a brand without a section gets the defaults. */
const BrandRules *brand_rules(RulesCache *c, const char *b, size_t n);
/* brand_rules_section returns the rules of the [brand] section NAME
 * (NULL: the defaults) without noting a brand as seen. */
const BrandRules *brand_rules_section(const RulesCache *c, const char *name);

/* Loaders of one concern for section RB (NULL: defaults) of R; amounts in
 * 10^-DECIMALS units. Any error is fatal and names file and line. */
void money_rules_load(MoneyRules *m, const Rules *r);
void window_rules_load(WindowRules *w, const Rules *r, const char *rb);
void tier_rules_load(TierRules *t, const Rules *r, const char *rb, int decimals);
void tier_rules_free(TierRules *t);
/* tier_rules_index returns the index of tier P[0..N) or -1. */
int tier_rules_index(const TierRules *t, const char *p, size_t n);
void churn_rules_load(ChurnRules *ch, const Rules *r, const char *rb);
void churn_rules_free(ChurnRules *ch);
void rfm_rules_load(RfmRules *f, const Rules *r, const char *rb, int decimals);
void rfm_rules_free(RfmRules *f);
void kmeans_rules_load(KmeansRules *k, const Rules *r);
void kmeans_rules_free(KmeansRules *k);
void clean_rules_load(CleanRules *cl, const Rules *r, const char *rb, int decimals);
void target_rules_load(TargetRules *t, const Rules *r, const char *rb, int decimals);
void target_rules_free(TargetRules *t);

/* rules_enum returns the index of KEY's value for section RB among the
 * words of its RK_ENUM definition; rule_enum_word does the same for a word
 * given on the command line, -1 when it is not one of them. */
int rules_enum(const Rules *r, const char *rb, const char *key);
int rule_enum_word(const char *key, const char *word);

#endif
