/* schema: the columns of the signal pipeline, declared once. Each column
 * names the stage that adds it; producers write their headers from the
 * table, consumers find their columns through it, and "run crm-X first"
 * messages name the producer it gives. */
#ifndef CRM_SCHEMA_H
#define CRM_SCHEMA_H

#include "tsv.h"

enum {
	SCHEMA_EXPLAIN = 1,     /* written only with --explain */
};

typedef struct {
	const char *name;
	const char *producer;   /* the tool that adds the column */
	int flags;
} SchemaCol;

/* schema_cols lists every column in stream order, producer by producer;
 * a NULL name ends it. rules_id, the fingerprint of the rules that made
 * the rows, is not among them: crm-agg starts it and every stage that
 * uses rules keeps it last (see filter_header). */
extern const SchemaCol schema_cols[];

/* schema_producer returns the tool that adds column NAME; NAME must be in
 * the table (a program error otherwise). */
const char *schema_producer(const char *name);

/* schema_need returns the index of column NAME of T, or dies naming the
 * file, the column and the tool that adds it. */
int schema_need(const Tsv *t, const char *name);

/* schema_added writes to BUF (CAP bytes) the tab-separated names of the
 * columns PRODUCER adds, the --explain ones when EXPLAIN, and returns BUF. */
const char *schema_added(const char *producer, int explain, char *buf, size_t cap);

#endif
