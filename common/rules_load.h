/* rules loading internals, shared by rules.c (the entry points),
 * rules_parse.c (reading files into entries) and rules_check.c (the checks
 * across keys once every file is read). Not for the tools: they use rules.h. */
#ifndef CRM_RULES_LOAD_H
#define CRM_RULES_LOAD_H

#include "rules.h"

#include <stddef.h>

#define INCLUDE_DEPTH 16

/* Loader: one load of the rules, passed to every step. */
typedef struct {
	Rules *r;
	int fatal;       /* stop at the first error */
	int nerrors;
	int next_file_id;
	int *entry_file; /* file instance of each entry, for duplicates */
	size_t entry_file_cap;
	int too_deep;    /* includes nested too deep: included files stop */
} Loader;

/* ---- rules_parse.c ---- */

/* rules_lerr reports an error at FILE:LINE (LINE 0: the file as a whole)
 * on stderr and counts it; exits 1 at once when L->fatal. */
void rules_lerr(Loader *L, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* rules_keep_file returns R's copy of the file name NAME, kept until
 * rules_free. */
const char *rules_keep_file(Rules *r, const char *name);

/* rules_load_path reads the rules file PATH, included from FROM:FROM_LINE
 * (NULL: given by the user) at include depth DEPTH. */
void rules_load_path(Loader *L, const char *path, const char *from, int from_line, int depth);

/* rules_load_text reads the rules TEXT of FILE (modified in place), its
 * includes relative to DIR. */
void rules_load_text(Loader *L, const char *file, const char *dir, char *text, int depth);

/* ---- rules_check.c ---- */

/* rules_check_all checks every key against the others it names, marking in
 * STALE the entries a later list leaves out. */
void rules_check_all(Loader *L, unsigned char *stale);

/* rules_drop_stale removes the entries marked in STALE from R. */
void rules_drop_stale(Rules *r, const unsigned char *stale);

/* rules_check_section checks the keys in effect for BRAND (NULL: the
 * defaults) together. */
void rules_check_section(Loader *L, const char *brand);

#endif
