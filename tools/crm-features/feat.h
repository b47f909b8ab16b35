/* crm-features: point-in-time feature rows for churn and revenue models.
 *
 * crm-features.c reads the signal stream one customer at a time into a
 * Cust (read.c parses a row into a FMonth); row.c computes the features and
 * labels of one snapshot from the months up to it (and, for the labels
 * only, the months after it) and writes the row. */
#ifndef CRM_FEATURES_FEAT_H
#define CRM_FEATURES_FEAT_H

#include "brandrules.h"
#include "btyd.h"
#include "out.h"
#include "tsv.h"

#include <stddef.h>
#include <stdint.h>

/* Unknown values of the optional columns. */
enum { F_UNKNOWN = -1 };
/* churn bits of FMonth.churn. */
enum { CH_RISK = 1, CH_LAPSE = 2, CH_DECLINE = 4 };
/* FMonth.event: crm-lifecycle's event of the month. */
enum { EV_NONE, EV_NEW, EV_LOST, EV_REACTIVATED };

/* One month of one customer, as the input row gives it. Cumulative sums
 * run over the customer's months up to and including this one. */
typedef struct {
	int32_t month;
	int32_t first_day, last_day;     /* consumable purchases; NO_DAY: none */
	int64_t orders, amount;          /* consumable orders, minor units */
	int64_t other_orders, other_amount;
	int64_t cum_orders, cum_amount, cum_other_orders, cum_other_amount;
	/* Consumable purchases up to this month: the first and last day
	 * (NO_DAY: none yet), the sum of the squared gaps between purchase
	 * days and the latest gap as a fraction (see gaps() in row.c). */
	int32_t buy_first, buy_last;
	double gap_sumsq;
	int64_t gap_last_num, gap_last_den;
	int32_t period_end;              /* the as-of day of the data */
	int8_t active;                   /* 0/1 */
	int8_t tier_rank;                /* F_UNKNOWN without a tier column */
	int8_t event;                    /* EV_*, F_UNKNOWN without event */
	int8_t churn;                    /* CH_* bits, F_UNKNOWN without churn_risk */
	int8_t warmup;                   /* 0/1: crm-tier's warm-up month */
} FMonth;

/* One customer's months, oldest first, with the key text of its rows.
 * Memory grows with one customer's history only. */
typedef struct {
	FMonth *m;
	size_t n, cap;
	char *key;        /* brand TAB customer_id, or customer_id */
	size_t keyn, keycap;
	const BrandRules *br;
} Cust;

/* The columns read, by index in the input (-1: absent). */
typedef struct {
	int customer, month, orders, amount, first_date, last_date, other_orders, other_amount;
	int period_end, tenure, active, warmup, tier, event, churn_risk, churn_reason, brand, rules_id;
} Cols;

/* Everything a run shares: options and rules as C values, the output and
 * the counts --stats prints. */
typedef struct {
	Out out;
	int decimals;
	int32_t label_days, revenue_days;
	int step;                  /* features.snapshot_step */
	int all;                   /* features.population = all */
	int32_t snapshot;          /* --snapshot, INT32_MIN: by the rules */
	char rid[17];
	const BtydParams *clv;     /* --clv-params, NULL without */
	char pe_text[16];          /* the latest period_end text, and its day */
	int32_t pe_day;
	uint64_t rows, customers, written, labelled, churned, rev_labelled;
} Feat;

/* read_month parses the current row of T, of month MONTH, into *M (the
 * cumulative sums continue from PREV, NULL for a customer's first month);
 * data errors die naming file, line, field and value. */
void read_month(const Tsv *t, const Cols *c, Feat *f, const BrandRules *br, int32_t month,
		const FMonth *prev, FMonth *m);

/* feat_header writes the output header: the key columns (brand when
 * BRAND), as_of, every feature (with --clv-params the model's columns
 * last), the labels and rules_id. */
void feat_header(Feat *f, int brand);

/* feat_customer writes a row for each snapshot month of customer C that
 * the options and rules select, and counts it in F. */
void feat_customer(Feat *f, const Cust *c);

#endif
