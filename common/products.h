/* products: a products file maps sku to category, for inputs that carry no
 * category column. It is TSV with a header holding at least the columns
 * "sku" and "category"; a sku listed twice is an error. */
#ifndef CRM_PRODUCTS_H
#define CRM_PRODUCTS_H

#include <stddef.h>

#include "strmap.h"
#include "tsv.h"

typedef struct {
	StrMap sku;          /* sku -> index into cats */
	char **cats;
	size_t ncats;
	char *path;
} Products;

void products_load(Products *p, const char *path);
void products_free(Products *p);
/* products_category returns the category of SKU[0..N), or NULL. */
const char *products_category(const Products *p, const char *sku, size_t n);
/* products_row_category returns the category of T's current row, its
 * length in *N: that of the sku in column SKU_COL where P is given, else
 * column CAT_COL. Dies naming file, line and field on a sku P lacks or an
 * empty category. The result points into P or into T's row. */
const char *products_row_category(const Products *p, const Tsv *t, int sku_col, int cat_col, size_t *n);

#endif
