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
 * or NULL for crm-report's operand), the command that writes it, its
 * members, ended by a NULL name, and the member holding the fingerprint of
 * the rules it was made with (a string, or an object whose "id" is one;
 * NULL: the kind carries none). */
typedef struct {
	const char *schema;
	const char *option;
	const char *writer;
	const DocMember *members;
	const char *rules;
} DocKind;

/* A document read and checked: its text (trailing white space cut; the
 * caller frees it), its length, and its rules fingerprint ("" when its kind
 * carries none). */
typedef struct {
	char *text;
	size_t len;
	char rules_id[65];
} Doc;

/* doc_read reads PATH ("-": standard input) into *DOC. A document that is
 * not valid JSON, not an object, not of KIND, without a member KIND needs
 * or whose fingerprint is not a string of at most 64 bytes is a fatal error
 * naming the file. */
void doc_read(const char *path, const DocKind *kind, Doc *doc);

#endif
