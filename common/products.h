/* products: a products file maps sku to category, for inputs that carry no
 * category column. It is TSV with a header holding at least the columns
 * "sku" and "category"; a sku listed twice is an error. */
#ifndef CRM_PRODUCTS_H
#define CRM_PRODUCTS_H

#include <stddef.h>

#include "strmap.h"

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

#endif
