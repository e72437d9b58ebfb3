/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness of the plain JSON check (binder/core/jscan.c), the gate
 * of the replies passed on without being parsed (xreq_reply_text).
 * Properties, on every text jscan_plain accepts:
 *  - json-c parses it whole, as the importing transports and the core's
 *    fallback do (a kept tokener of depth 32, not strict), to NULL exactly
 *    when jscan said JSCAN_NULL: so passing it on never hands a client
 *    what the daemon itself could not read;
 *  - its strings and keys are valid UTF-8;
 *  - what the daemon writes of that value (jbuf_json) is plain too and
 *    reads back to an equal value: so the text passed on and the text
 *    the daemon would have written give a reader the same value.
 * See tests/fuzz/README.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "fuzz-util.h"
#include "jbuf.h"
#include "jscan.h"
#include "jtok.h"

/* json-c's reading of the 'len' bytes of 'text', which must be whole; aborts if not */
static struct json_object *parse_whole(const char *text, size_t len)
{
	struct json_tokener *tok = jtok_get(JSON_TOKENER_DEFAULT_DEPTH);
	char *copy = malloc(len + 1);
	struct json_object *o;
	size_t end;

	if (!tok || !copy)
		abort();
	memcpy(copy, text, len);
	copy[len] = 0;
	/* the NUL ends a trailing number */
	o = jtok_parse_ex(tok, copy, (int)len + 1);
	if (json_tokener_get_error(tok) != json_tokener_success)
		abort();
	end = json_tokener_get_parse_end(tok);
	if (end > len)
		end = len;
	end += strspn(copy + end, " \t\r\n");
	if (end != len)
		abort();
	free(copy);
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum jscan_kind kind = jscan_plain((const char *)data, size);
	struct json_object *o, *again;
	const char *text;
	size_t len;
	struct jbuf b;

	if (size > (1 << 20) || kind == JSCAN_NOT_PLAIN)
		return 0;
	o = parse_whole((const char *)data, size);
	if ((o == NULL) != (kind == JSCAN_NULL))
		abort();
	fuzz_check_utf8(o);
	if (jbuf_init(&b, 0, size + 16) < 0)
		abort();
	jbuf_json(&b, o);
	text = jbuf_text(&b, &len);
	if (!text || jscan_plain(text, len) != kind)
		abort();
	again = parse_whole(text, len);
	if (!json_object_equal(o, again))
		abort();
	json_object_put(again);
	json_object_put(o);
	jbuf_release(&b);
	return 0;
}
