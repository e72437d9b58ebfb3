/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What several fuzz harnesses check (fuzz-util.c).
 */
#pragma once

struct json_object;

/* Aborts unless every string and key of 'o' (recursively) is valid UTF-8. */
void fuzz_check_utf8(struct json_object *o);
