/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness of the x-afb-ws-json1 messages (binder/wsj1/json1.c), as
 * the server parses a text frame (json1_parse, strict json-c tokener) and
 * as afb-client parses what it receives (json1_parse_incoming).
 * The input is the text of one message (the framing has its own harness,
 * fuzz-wsframe). Properties: a call has a non-empty api and verb, its
 * "api/verb" splits at the first '/', and an id that is a string or a
 * number; what parses re-serializes (utf8_json_text) to valid UTF-8 and
 * valid JSON (NaN and infinities written null), which, from UTF-8 input,
 * parses back and writes the same text again.
 * See tests/fuzz/README.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "json1.h"
#include "utf8.h"

static struct json_tokener *tok;

static void check_round_trip(struct json_object *root, int input_utf8)
{
	char *repaired;
	size_t len;
	const char *text = utf8_json_text(root, JSON_C_TO_STRING_PLAIN, &len, &repaired);
	struct json_object *back;

	if (!text)
		return;		/* out of memory */
	if (!utf8_valid(text, len))
		abort();
	/* what goes out is JSON: it parses back, and writes the same again */
	back = json_tokener_parse(text);
	if (!back)
		abort();
	if (input_utf8) {
		char *repaired2;
		size_t len2;
		const char *again = utf8_json_text(back, JSON_C_TO_STRING_PLAIN, &len2, &repaired2);

		if (again && (len2 != len || memcmp(again, text, len)))
			abort();
		free(repaired2);
	}
	json_object_put(back);
	free(repaired);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json1_msg msg;
	const char *why = NULL;
	int utf8 = utf8_valid(data, size);

	if (!tok) {
		tok = json_tokener_new();
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	}
	if (json1_parse(tok, (const char *)data, size, &msg, &why) == 0) {
		if (msg.code == JSON1_CALL) {
			if (!msg.api_len || !*msg.verb || msg.api[msg.api_len] != '/'
			    || memchr(msg.api, '/', msg.api_len) || strlen(msg.verb) == 0)
				abort();
			if (!json_object_is_type(msg.id, json_type_string) && !json_object_is_type(msg.id, json_type_int)
			    && !json_object_is_type(msg.id, json_type_double))
				abort();
		}
		check_round_trip(msg.root, utf8);
		json1_msg_clear(&msg);
	} else if (!why) {
		abort();
	}
	why = NULL;
	if (json1_parse_incoming(tok, (const char *)data, size, &msg, &why) == 0) {
		check_round_trip(msg.root, utf8);
		json1_msg_clear(&msg);
	} else if (!why) {
		abort();
	}
	return 0;
}
