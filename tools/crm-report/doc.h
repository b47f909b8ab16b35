/* doc: the JSON documents crm-report embeds, read whole and checked before
 * they reach the page: valid JSON (RFC 8259), one object, of the kind the
 * option asks for ("schema") with the members the page draws from. */
#ifndef CRM_REPORT_DOC_H
#define CRM_REPORT_DOC_H

#include <stddef.h>

/* A member the page needs: its name and the first byte its value must
 * start with ('[' array, '{' object, '"' string, '0' number, 't' true or
 * false). */
typedef struct {
	const char *name;
	char type;
} DocMember;

/* A kind of document: the schema it carries, who asks for it (the option,
 * or NULL for crm-report's operand), the command that writes it, and its
 * members, ended by a NULL name. */
typedef struct {
	const char *schema;
	const char *option;
	const char *writer;
	const DocMember *members;
} DocKind;

/* doc_read reads PATH ("-": standard input) and returns its text, trailing
 * white space cut, in a buffer the caller frees; *LEN is its length. A
 * document that is not valid JSON, not an object, not of KIND or without
 * a member KIND needs is a fatal error naming the file. */
char *doc_read(const char *path, const DocKind *kind, size_t *len);

#endif
