/* rules: the business-logic specification. A rules file holds "key = value"
 * lines, whole-line "#" comments, "include = FILE" (relative to the including
 * file) and sections: "[brand NAME]" keys apply to that brand only, and
 * "[defaults]" returns to keys for every brand. A UTF-8 byte-order mark at
 * the start of a file is skipped.
 *
 * The effective rules are the built-in rules/default.rules overlaid by the
 * file given with --rules (or $CRM_RULES): a later key overrides an earlier
 * one, and for a brand a key of its own section overrides the default one.
 * Setting one key twice in one section of one file is an error, as are an
 * unknown key and a malformed value; every error names file and line. A
 * check of two keys together blames the one read last. A file that sets a
 * list of names (tier.order, rfm.segments) drops the keys of names it leaves
 * out that earlier files set (the built-in tier.diamond.*); such a key set in
 * the list's own file or after it is an error, as is a name listed twice.
 *
 * Every key is described in rule_defs[] (rules_keys.c), which is also the
 * source of "crm-rules show" and of crm-rules(5). */
#ifndef CRM_RULES_H
#define CRM_RULES_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
	RK_INT,    /* a whole number in [min, max] */
	RK_DEC,    /* a decimal number >= 0, up to 6 decimals (ratios, factors) */
	RK_MONEY,  /* an amount in currency units, at most money.decimals */
	RK_LIST,   /* comma-separated names */
	RK_TEXT,   /* free text to the end of the line */
	RK_RANGE,  /* a score range "lo-hi" or a single score */
	RK_WORD,   /* one name */
	RK_ENUM,   /* one of the words in `names`, separated by '|' */
	RK_CURRENCY, /* an ISO 4217 code: three capital letters */
} RuleKind;

/* Flags of a rule definition. */
enum {
	RF_GLOBAL = 1,  /* may not be set in a [brand] section */
	RF_NONE = 2,    /* the value "none" means "no limit" */
};

typedef struct {
	const char *key;   /* "*" stands for a name from the list key `names` */
	RuleKind kind;
	const char *unit;
	int64_t min, max;  /* RK_INT: bounds */
	unsigned flags;
	const char *names; /* a pattern key: the list key naming its "*";
			    * RK_ENUM: the allowed values, "keep|drop" */
	const char *doc;
} RuleDef;

extern const RuleDef rule_defs[];  /* ends with a { NULL } sentinel */
extern const char rules_default_text[];

typedef struct {
	char *key, *value;     /* value normalized */
	const char *file;      /* source file name, "default.rules" built in */
	int line;
	char *brand;           /* NULL for the default section */
	const RuleDef *def;
} RuleEntry;

typedef struct {
	RuleEntry *e;
	size_t n, cap;
	char **files;          /* owned file names */
	size_t nfiles;
	char **brands;         /* brands with a section, sorted */
	size_t nbrands;
	const char **brand_file; /* where each brand's first section starts */
	int *brand_line;
	unsigned char *brand_seen; /* marked by rules_brand_seen */
} Rules;

/* rules_load returns the effective rules: the built-in defaults overlaid
 * by PATH (or $CRM_RULES when PATH is NULL; neither means defaults only).
 * Any error is fatal and names file and line. */
Rules *rules_load(const char *path);
/* rules_load_checked is rules_load that returns NULL and prints every error
 * found instead of stopping at the first (for crm-rules check). */
Rules *rules_load_checked(const char *path, int *nerrors);
void rules_free(Rules *r);

/* rules_entry returns the entry in effect for BRAND (NULL: the defaults),
 * or NULL when the key is unset. */
const RuleEntry *rules_entry(const Rules *r, const char *brand, const char *key);
const char *rules_get(const Rules *r, const char *brand, const char *key);

/* Typed getters; a missing key is a fatal error naming it, except for
 * rules_fixed on an RF_NONE key, which returns 0 and sets *none. */
int64_t rules_int(const Rules *r, const char *brand, const char *key);
/* rules_fixed returns the value in 10^-DECIMALS units. */
int64_t rules_fixed(const Rules *r, const char *brand, const char *key,
		    int decimals, int *none);
/* rules_list splits a list value; returns the count and sets *items to a
 * NULL-terminated array of strings owned by the caller (free with
 * rules_list_free). */
size_t rules_list(const Rules *r, const char *brand, const char *key, char ***items);
void rules_list_free(char **items);
/* NameList holds a list key's names with their lengths, for a lookup per
 * row (exclude.categories). */
typedef struct {
	char **name;
	size_t *len;
	size_t n;
} NameList;
void namelist_load(NameList *l, const Rules *r, const char *brand, const char *key);
/* namelist_has tells whether P[0..N) is one of the names. */
static inline int namelist_has(const NameList *l, const char *p, size_t n)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->len[i] == n && __builtin_memcmp(l->name[i], p, n) == 0)
			return 1;
	return 0;
}
void namelist_free(NameList *l);
/* rules_range reads a "lo-hi" score range. */
void rules_range(const Rules *r, const char *brand, const char *key, int *lo, int *hi);
int rules_has_brand(const Rules *r, const char *brand);
/* rules_brand_seen notes that the input holds brand B (N bytes); a tool
 * that reads a brand column calls it for each brand it meets, then
 * rules_warn_unseen_brands, which warns on stderr of every [brand NAME]
 * section that no row matched (a misspelt brand silently gets the
 * defaults), naming the section's file and line. */
void rules_brand_seen(Rules *r, const char *b, size_t n);
void rules_warn_unseen_brands(const Rules *r);

/* rules_id writes the fingerprint of the effective rules: 16 hex digits of
 * XXH3-64 over their canonical text (sorted keys, normalized values), so
 * comments, order and layout do not change it. */
void rules_id(const Rules *r, char out[17]);

/* rules_each calls FN for every key in effect for BRAND, in the order of
 * rule_defs (pattern keys expanded name by name: all of tier.gold.*
 * together); E is NULL for an optional limit that is not set. */
void rules_each(const Rules *r, const char *brand,
		void (*fn)(void *ctx, const char *key, const RuleEntry *e, const RuleDef *d),
		void *ctx);

/* rule_def_find returns the definition matching KEY, or NULL; for a pattern
 * key it sets *name to the "*" part (a pointer into KEY, *namelen bytes). */
const RuleDef *rule_def_find(const char *key, const char **name, size_t *namelen);

#endif
