/* keystream: one of several sorted TSV streams read side by side by a merge
 * on the customer key (brand, customer_id), as crm-target joins values,
 * scores and tiers. Each stream must be sorted by (brand,) customer_id in
 * byte order, as the toolkit writes them; a stream may hold several rows
 * of one customer (months, snapshots) unless it is strict. A row out of
 * order, or a repeated key in a strict stream, is an error naming the file
 * and line. When the stream has a rules_id column and ID is given, every
 * row's fingerprint must be ID (filter_rules_row). */
#ifndef CRM_KEYSTREAM_H
#define CRM_KEYSTREAM_H

#include <stddef.h>

#include "tsv.h"

typedef struct {
	Tsv t;
	int bi, ci, ri;        /* brand (-1: none), customer_id, rules_id (-1: none) */
	int strict;            /* one row per key */
	const char *id;        /* the expected fingerprint, NULL: unchecked */
	int have;              /* a current row */
	char *key;             /* the current row's key: brand NUL customer_id */
	size_t bn, cn, cap;
} KeyStream;

/* keystream_open opens PATH ("-": stdin), finds its key columns (a missing
 * customer_id is an error naming PRODUCER, the tool that writes the
 * stream) and reads its first row. */
void keystream_open(KeyStream *s, const char *path, const char *producer, int strict,
		    const char *id);
void keystream_close(KeyStream *s);

/* keystream_next reads the next row; returns 0 at the end of the stream. */
int keystream_next(KeyStream *s);

/* keystream_cmp compares the current row's key with brand B[0..BN) and
 * customer C[0..CN): <0, 0, >0 as it comes before, equals or follows it.
 * The stream must have a current row. */
int keystream_cmp(const KeyStream *s, const char *b, size_t bn, const char *c, size_t cn);

/* keystream_seek skips the rows whose key comes before (B, C); returns 1
 * when the current row then has that key, 0 when not (a later key, or the
 * end). */
int keystream_seek(KeyStream *s, const char *b, size_t bn, const char *c, size_t cn);

#endif
