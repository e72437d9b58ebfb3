/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What several fuzz harnesses check: see fuzz-util.h.
 */
#include <stdlib.h>
#include <json-c/json.h>

#include "fuzz-util.h"
#include "utf8.h"

void fuzz_check_utf8(struct json_object *o)
{
	size_t i, n;

	switch (json_object_get_type(o)) {
	case json_type_string:
		if (!utf8_valid(json_object_get_string(o), (size_t)json_object_get_string_len(o)))
			abort();
		break;
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			fuzz_check_utf8(json_object_array_get_idx(o, i));
		break;
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			if (!utf8_valid_str(key))
				abort();
			fuzz_check_utf8(val);
		}
		break;
	}
	default:
		break;
	}
}
