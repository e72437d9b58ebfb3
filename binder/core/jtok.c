/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tokeners kept per thread. See jtok.h.
 */
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <json-c/json.h>

#include "jtok.h"

/* a few depths are in use: the default one, D-Bus' */
#define SLOTS 4

struct slots {
	int depth[SLOTS];
	struct json_tokener *tok[SLOTS];
};

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int key_ok;
static locale_t c_locale;	/* (locale_t)0: none, parses in the thread's locale */

static void slots_free(void *arg)
{
	struct slots *s = arg;
	int i;

	for (i = 0; i < SLOTS; i++)
		if (s->tok[i])
			json_tokener_free(s->tok[i]);
	free(s);
}

static void init(void)
{
	key_ok = pthread_key_create(&key, slots_free) == 0;
	/* glibc's static C locale object: never freed, shared by all threads */
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

struct json_object *jtok_parse_ex(struct json_tokener *tok, const char *text, int len)
{
	struct json_object *obj;
	locale_t old;

	pthread_once(&once, init);
	if (!c_locale)
		return json_tokener_parse_ex(tok, text, len);
	old = uselocale(c_locale);
	obj = json_tokener_parse_ex(tok, text, len);
	uselocale(old);
	return obj;
}

int jtok_renew(struct json_tokener **tok, int depth, int flags)
{
	struct json_tokener *t;

	if (json_tokener_get_error(*tok) == json_tokener_success) {
		json_tokener_reset(*tok);
		return 0;
	}
	t = json_tokener_new_ex(depth);
	if (!t) {
		json_tokener_reset(*tok);
		return -ENOMEM;
	}
	json_tokener_set_flags(t, flags);
	json_tokener_free(*tok);
	*tok = t;
	return 0;
}

struct json_tokener *jtok_get(int depth)
{
	struct slots *s;
	int i;

	pthread_once(&once, init);
	if (!key_ok)
		return NULL;
	s = pthread_getspecific(key);
	if (!s) {
		s = calloc(1, sizeof *s);
		if (!s || pthread_setspecific(key, s) != 0) {
			free(s);
			return NULL;
		}
	}
	for (i = 0; i < SLOTS && s->tok[i]; i++) {
		if (s->depth[i] == depth) {
			jtok_renew(&s->tok[i], depth, 0);
			return s->tok[i];
		}
	}
	if (i == SLOTS)
		return NULL;
	s->tok[i] = json_tokener_new_ex(depth);
	s->depth[i] = depth;
	return s->tok[i];
}

struct json_object *jtok_parse(const char *text)
{
	struct json_tokener *tok = jtok_get(JSON_TOKENER_DEFAULT_DEPTH);
	struct json_object *obj;

	if (!tok)
		return json_tokener_parse(text);
	/* as json_tokener_parse: the first value, what follows is not looked at */
	obj = jtok_parse_ex(tok, text, -1);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(obj);
		obj = NULL;
	}
	return obj;
}
