/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness of the x-afb-ws-json1 messages (binder/wsj1/json1.c), as
 * the server parses a text frame (json1_parse: its hand scan, else
 * json1_parse_full, strict json-c tokeners) and as afb-client parses what
 * it receives (json1_parse_incoming).
 * The input is the text of one message (the framing has its own harness,
 * fuzz-wsframe). Properties: a call has a non-empty api and verb, its
 * "api/verb" splits at the first '/', and an id that is a string or a
 * number; json1_parse and json1_parse_full agree on every text (same
 * outcome, code, api, verb, token, arguments, and ids of equal JSON
 * value); what parses re-serializes (utf8_json_text) to valid UTF-8 and
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

static struct json1_parser parser;

static int same_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	return (!a && !b) || (a && b && alen == blen && !memcmp(a, b, alen));
}

/* An id's text parses alone (a copy: json-c needs a NUL after a number). */
static struct json_object *parse_id(const char *text, size_t len)
{
	char *copy = malloc(len + 1);
	struct json_object *o;

	if (!copy)
		abort();
	memcpy(copy, text, len);
	copy[len] = 0;
	o = json_tokener_parse(copy);
	if (!o)
		abort();
	free(copy);
	return o;
}

/* Equal JSON values: the same text once written (NaN is not equal to itself). */
static int same_json(struct json_object *a, struct json_object *b)
{
	const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *ta, *tb;
	char *copy;
	int same;

	if (!a || !b)
		return !a && !b;
	ta = json_object_to_json_string_ext(a, flags);
	copy = ta ? strdup(ta) : NULL;	/* the next call may reuse the buffer */
	tb = json_object_to_json_string_ext(b, flags);
	if (!copy || !tb)
		abort();
	same = !strcmp(copy, tb);
	free(copy);
	return same;
}

/* The hand scan and json-c read the same call. */
static void check_same(const struct json1_msg *a, const struct json1_msg *b)
{
	struct json_object *ia, *ib;

	if (a->code != b->code)
		abort();
	if (a->code != JSON1_CALL)
		return;
	if (!same_bytes(a->api, a->api_len, b->api, b->api_len) || !same_bytes(a->verb, a->verb_len, b->verb, b->verb_len)
	    || !same_bytes(a->token, a->token_len, b->token, b->token_len))
		abort();
	if (!same_json(a->args, b->args))
		abort();
	if (same_bytes(a->id_text, a->id_len, b->id_text, b->id_len))
		return;
	ia = parse_id(a->id_text, a->id_len);
	ib = parse_id(b->id_text, b->id_len);
	if (!same_json(ia, ib))
		abort();
	json_object_put(ia);
	json_object_put(ib);
}

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
	struct json1_msg msg, full;
	const char *why = NULL, *why2 = NULL;
	int utf8 = utf8_valid(data, size), rc;

	if (!parser.whole && json1_parser_init(&parser) < 0)
		abort();
	rc = json1_parse(&parser, (const char *)data, size, &msg, &why);
	if (json1_parse_full(&parser, (const char *)data, size, &full, &why2) == 0) {
		if (rc < 0)
			abort();
		if (full.code == JSON1_CALL) {
			if (!full.api_len || !full.verb_len || full.api[full.api_len] != '/'
			    || memchr(full.api, '/', full.api_len) || memchr(full.verb, 0, full.verb_len))
				abort();
		}
		check_same(&msg, &full);
		check_round_trip(full.root, utf8);
		json1_msg_clear(&full);
		json1_msg_clear(&msg);
	} else if (!why2 || rc == 0 || !why) {
		abort();
	}
	why = NULL;
	if (json1_parse_incoming(parser.whole, (const char *)data, size, &msg, &why) == 0) {
		check_round_trip(msg.root, utf8);
		json1_msg_clear(&msg);
	} else if (!why) {
		abort();
	}
	return 0;
}
