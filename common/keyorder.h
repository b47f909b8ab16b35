/* keyorder: checks that rows come sorted by (brand,) customer_id, month,
 * as crm-agg writes them, and tells when a new customer starts. Streaming
 * tools rely on that order; input in any other order is an error with its
 * line number, never a silent wrong answer. */
#ifndef CRM_KEYORDER_H
#define CRM_KEYORDER_H

#include <stddef.h>
#include <stdint.h>

#include "tsv.h"

typedef struct {
	int bi, ci;            /* brand column (-1: none), customer_id column */
	char *brand, *cust;    /* the previous row's key */
	size_t bn, cn, bcap, ccap;
	int32_t month, prev_month;
	int have;
} KeyOrder;

/* keyorder_init finds the key columns of T; PRODUCER names the tool that
 * writes the order (for messages). */
void keyorder_init(KeyOrder *k, const Tsv *t);
void keyorder_free(KeyOrder *k);
/* keyorder_next checks the current row of T with month MONTH: returns 1
 * when it starts a new customer, 0 when it continues the previous one. */
int keyorder_next(KeyOrder *k, const Tsv *t, int32_t month);
/* keyorder_whole checks, after keyorder_next returned START, that a
 * customer's rows run month by month from the first purchase month
 * (tenure_months 0), as crm-tier writes them without --from. */
void keyorder_whole(const KeyOrder *k, const Tsv *t, int start, int tenure_col);

#endif
