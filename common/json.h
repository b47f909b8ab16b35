/* json: JSON text output for the tools that publish JSON: strings escaped per RFC 8259, exact
 * decimal numbers written from integers. */
#ifndef CRM_JSON_H
#define CRM_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "out.h"

/* json_str writes S[0..N) as a JSON string, escaping quotes, backslashes
 * and control characters; other bytes pass unchanged (UTF-8 stays). */
void json_str(Out *o, const char *s, size_t n);
void json_cstr(Out *o, const char *s);
/* json_fixed writes V (in 10^-D units) as a JSON number: 12.50, -0.05. */
void json_fixed(Out *o, int64_t v, int d);
/* json_key writes "name": after a comma unless FIRST. */
void json_key(Out *o, const char *name, int first);

#endif
