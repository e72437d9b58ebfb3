/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench: the binding of the benchmarks that need more than hello/ping
 * (scripts/bench reply, scale). Not installed.
 *
 *   bench/blob   args size (bytes of text, default 850000), chunk (bytes
 *                of each string, default 1000): replies
 *                {"size":N,"items":["...","...",...]}, an array of strings
 *                of printable ASCII (the last one shorter) whose JSON text
 *                is about 'size' bytes. Built at each call, as a binding
 *                builds its replies.
 */
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <afb/afb-binding.h>

#define MAX_SIZE (64 << 20)

static const struct afb_binding_interface *afbitf;
static char text[65536];

static long arg_long(struct afb_req req, const char *name, long def, long min, long max)
{
	const char *v = afb_req_value(req, name);
	long n = v ? strtol(v, NULL, 10) : def;

	return n < min ? min : n > max ? max : n;
}

static void blob(struct afb_req req)
{
	long size = arg_long(req, "size", 850000, 0, MAX_SIZE);
	long chunk = arg_long(req, "chunk", 1000, 1, (long)sizeof text);
	struct json_object *reply = json_object_new_object(), *items = json_object_new_array();
	long left, n;

	json_object_object_add(reply, "size", json_object_new_int64(size));
	/* each item costs its text, two quotes and a comma */
	for (left = size; left > 0; left -= n + 3) {
		n = left - 3 < chunk ? left - 3 : chunk;
		if (n < 0)
			n = 0;
		json_object_array_add(items, json_object_new_string_len(text, (int)n));
	}
	json_object_object_add(reply, "items", items);
	afb_req_success(req, reply, NULL);
}

static const struct afb_verb_desc_v1 verbs[] = {
	{ .name = "blob", .session = AFB_SESSION_NONE, .callback = blob, .info = "Replies about arg size bytes" },
	{ .name = NULL }
};

static const struct afb_binding binding_description = {
	.type = AFB_BINDING_VERSION_1,
	.v1 = {
		.prefix = "bench",
		.info = "Replies for the benchmarks",
		.methods = verbs
	}
};

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	size_t i;

	afbitf = itf;
	for (i = 0; i < sizeof text; i++)
		text[i] = (char)('a' + i % 26);
	return &binding_description;
}
