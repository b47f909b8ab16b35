/* strmap: an open-addressing map from byte strings to small integers, for
 * lookups of a few thousand names (products, categories, brands). */
#ifndef CRM_STRMAP_H
#define CRM_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	char **keys;      /* owned, NUL-terminated copies; NULL marks a free slot */
	size_t *lens;
	int64_t *vals;
	size_t cap, n;
} StrMap;

void strmap_init(StrMap *m);
void strmap_free(StrMap *m);
/* strmap_get returns the value of KEY[0..N), or -1 when absent. */
int64_t strmap_get(const StrMap *m, const char *key, size_t n);
/* strmap_put sets KEY to VAL; returns the previous value or -1. */
int64_t strmap_put(StrMap *m, const char *key, size_t n, int64_t val);

#endif
