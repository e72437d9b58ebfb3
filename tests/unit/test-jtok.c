/* SPDX-License-Identifier: Apache-2.0 */
/*
 * binder/core/jtok: the thread's tokener parses what json_tokener_parse
 * parses, numbers included, reset between uses; jtok_parse_ex gives the
 * thread its own locale back (a locale of its own, or the global one);
 * after a failed parse, the next tokener reads as a new one (json-c
 * 0.16 kept a pending surrogate across json_tokener_reset);
 * tokeners of other depths are kept apart; another thread has its own;
 * outside the sanitized builds, jtok_parse_ex allocates less than
 * json_tokener_parse_ex on the same text (json-c's switch of the locale
 * allocated a copy of the global one at every parse).
 */
#include <locale.h>
#include <pthread.h>
#include <string.h>
#include <json-c/json.h>
#include "jtok.h"
#include "unit.h"

static void check_values(struct json_object *o)
{
	CHECK(json_object_is_type(o, json_type_array));
	CHECK_INT(json_object_array_length(o), 4);
	CHECK(json_object_get_double(json_object_array_get_idx(o, 0)) == 1.5);
	CHECK_INT(json_object_get_int64(json_object_array_get_idx(o, 1)), -20);
	CHECK_STR(json_object_get_string(json_object_array_get_idx(o, 2)), "é\n");
	CHECK(json_object_get_double(json_object_array_get_idx(o, 3)) == 2.5e-3);
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
/* allocations counted (glibc's own allocator underneath) */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
static int allocs;

void *malloc(size_t size)
{
	allocs++;
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	allocs++;
	return __libc_calloc(n, size);
}

/* Allocations of one parse of 'text' by 'parse' (the object is released). */
static int allocs_of(struct json_object *(*parse)(struct json_tokener *, const char *, int), const char *text)
{
	struct json_tokener *tok = jtok_get(JSON_TOKENER_DEFAULT_DEPTH);
	struct json_object *o;
	int before = allocs;

	o = parse(tok, text, (int)strlen(text));
	before = allocs - before;
	json_object_put(o);
	return before;
}
#endif

static const char text[] = "[1.5, -20, \"\\u00e9\\n\", 2.5e-3]";

static void *other_thread(void *arg)
{
	struct json_tokener **out = arg;

	*out = jtok_get(JSON_TOKENER_DEFAULT_DEPTH);
	return NULL;
}

int main(void)
{
	struct json_tokener *tok, *deep, *theirs = NULL;
	struct json_object *o;
	locale_t mine;
	pthread_t th;

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
	/* in the global locale, json-c alone allocates a copy of it at every parse */
	{
		int ours, theirs;

		jtok_get(JSON_TOKENER_DEFAULT_DEPTH);	/* the thread's tokener made beforehand */
		ours = allocs_of(jtok_parse_ex, "1.5");
		theirs = allocs_of(json_tokener_parse_ex, "1.5");
		CHECK(ours < theirs);
	}
#endif

	/* the global locale: the thread is given it back */
	o = jtok_parse(text);
	check_values(o);
	json_object_put(o);
	CHECK(uselocale((locale_t)0) == LC_GLOBAL_LOCALE);

	/* a locale of the thread's own: the same object afterwards */
	mine = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0);
	if (!mine)
		mine = newlocale(LC_ALL_MASK, "POSIX", (locale_t)0);
	CHECK(mine != (locale_t)0);
	uselocale(mine);
	tok = jtok_get(JSON_TOKENER_DEFAULT_DEPTH);
	CHECK(tok != NULL);
	o = jtok_parse_ex(tok, text, (int)strlen(text));
	CHECK(json_tokener_get_error(tok) == json_tokener_success);
	check_values(o);
	json_object_put(o);
	CHECK(uselocale((locale_t)0) == mine);

	/* a success, then the same tokener reset by jtok_get */
	tok = jtok_get(JSON_TOKENER_DEFAULT_DEPTH);
	o = jtok_parse_ex(tok, "[1]", 3);
	CHECK(json_tokener_get_error(tok) == json_tokener_success);
	json_object_put(o);
	CHECK(jtok_get(JSON_TOKENER_DEFAULT_DEPTH) == tok);

	/*
	 * An error: the tokener given next reads as a new one. A text ending
	 * inside a surrogate pair left json-c 0.16's tokener with the high
	 * half pending: after a reset, a lone "\ud800" then read as two U+FFFD.
	 */
	o = jtok_parse_ex(tok, "\"\\ud800", 7);
	CHECK(o == NULL);
	CHECK(json_tokener_get_error(tok) == json_tokener_continue);
	tok = jtok_get(JSON_TOKENER_DEFAULT_DEPTH);
	o = jtok_parse_ex(tok, "\"\\ud800x\"", 9);
	CHECK(json_tokener_get_error(tok) == json_tokener_success);
	CHECK_STR(json_object_get_string(o), "\xef\xbf\xbdx");
	json_object_put(o);

	o = jtok_parse_ex(tok, "[1,", 3);
	CHECK(o == NULL);
	CHECK(json_tokener_get_error(tok) == json_tokener_continue);
	tok = jtok_get(JSON_TOKENER_DEFAULT_DEPTH);
	CHECK(tok != NULL);
	o = jtok_parse_ex(tok, "{\"a\":1}", 7);
	CHECK(json_tokener_get_error(tok) == json_tokener_success);
	CHECK_INT(json_object_get_int(json_object_object_get(o, "a")), 1);
	json_object_put(o);
	CHECK(jtok_parse("[1,") == NULL);
	CHECK(uselocale((locale_t)0) == mine);

	/* depths apart: a shallow tokener refuses what the default one takes */
	deep = jtok_get(JSON_TOKENER_DEFAULT_DEPTH);
	tok = jtok_get(2);
	CHECK(tok != NULL && tok != deep);
	o = jtok_parse_ex(tok, "[[[1]]]", 7);
	CHECK(o == NULL);
	CHECK(json_tokener_get_error(tok) == json_tokener_error_depth);

	/* another thread: another tokener */
	pthread_create(&th, NULL, other_thread, &theirs);
	pthread_join(th, NULL);
	CHECK(theirs != NULL && theirs != deep);

	uselocale(LC_GLOBAL_LOCALE);
	freelocale(mine);
	UNIT_END();
}
