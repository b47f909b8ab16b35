/* json: JSON text output for the tools that publish JSON: strings escaped per RFC 8259 and
 * always valid UTF-8, exact decimal numbers written from integers. */
#ifndef CRM_JSON_H
#define CRM_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "out.h"

/* utf8_next returns the length (1 to 4) of the well-formed UTF-8 character
 * starting S[0..N), N > 0; or 0 when S starts an ill-formed sequence, and
 * then *BAD is the length (1 to 3) of its maximal subpart: the bytes that
 * one replacement character stands for. */
size_t utf8_next(const unsigned char *s, size_t n, size_t *bad);
/* utf8_valid returns 1 when S[0..N) is well-formed UTF-8, else 0. */
int utf8_valid(const char *s, size_t n);

/* json_str writes S[0..N) as a JSON string, escaping quotes, backslashes
 * and control characters. Well-formed UTF-8 passes unchanged; each
 * ill-formed sequence (Latin-1 bytes, say) becomes U+FFFD, so the output
 * is always valid UTF-8, and so valid JSON. */
void json_str(Out *o, const char *s, size_t n);
void json_cstr(Out *o, const char *s);
/* json_fixed writes V (in 10^-D units) as a JSON number: 12.50, -0.05. */
void json_fixed(Out *o, int64_t v, int d);
/* json_key writes "name": after a comma unless FIRST. */
void json_key(Out *o, const char *name, int first);

#endif
