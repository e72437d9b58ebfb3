/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jgen: JSON values made by a seeded generator (xorshift64*), for the
 * property tests of the typed mapping (docs/dbus.md): null, booleans,
 * integers (edges, random, above INT64_MAX), reals (edges, -0.0, random
 * bits), strings of random code points (U+0000, escapes, 2-4 byte UTF-8,
 * noncharacters but in keys), arrays and objects of 0..4 members.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct json_object;

/* Restarts the sequence (0 is taken as 1). */
void jgen_seed(uint64_t seed);

/*
 * A new value whose generic D-Bus form nests at most 'nesting'
 * containers (an object costs 3, an array 2, its own variant 1).
 */
struct json_object *jgen_value(int nesting);

/*
 * 1 when 'a' and 'b' are the same JSON value: kinds, kind of number (and
 * uint64), bits of reals, bytes of strings, members in the same order;
 * else 0 and 'why' says where.
 */
int jgen_same(struct json_object *a, struct json_object *b, char *why, size_t size);
