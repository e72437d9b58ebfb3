/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>
#include "apiset.h"
#include "verbose.h"

/* A sorted array: few apis, many lookups, binary search. */
struct apiset {
	int count;
	int alloc;
	struct api **apis;
};

struct apiset *main_apiset;

struct apiset *apiset_new(void)
{
	return calloc(1, sizeof(struct apiset));
}

void apiset_free(struct apiset *set)
{
	int i;

	if (!set)
		return;
	for (i = 0; i < set->count; i++) {
		if (set->apis[i]->itf->destroy)
			set->apis[i]->itf->destroy(set->apis[i]->closure);
		free(set->apis[i]->name);
		free(set->apis[i]);
	}
	free(set->apis);
	free(set);
}

int api_name_is_valid(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;

	if (!p || !*p)
		return 0;
	for (; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || strchr("\"#%&'/?`", *p))
			return 0;
	return 1;
}

/* Index of 'name' or, when absent, -1 - (insertion index). */
static int search(struct apiset *set, const char *name)
{
	int lo = 0, hi = set->count, mid, c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcasecmp(set->apis[mid]->name, name);
		if (!c)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1 - lo;
}

static int insert(struct apiset *set, struct api *api)
{
	int i = search(set, api->name);
	struct api **n;

	if (i >= 0)
		return -EEXIST;
	i = -1 - i;
	if (set->count == set->alloc) {
		n = realloc(set->apis, sizeof *n * (size_t)(set->alloc + 8));
		if (!n)
			return -ENOMEM;
		set->apis = n;
		set->alloc += 8;
	}
	memmove(&set->apis[i + 1], &set->apis[i], sizeof *set->apis * (size_t)(set->count - i));
	set->apis[i] = api;
	set->count++;
	return 0;
}

int apiset_add(struct apiset *set, const char *name, void *closure, const struct api_itf *itf)
{
	struct api *api;
	int rc;

	if (!api_name_is_valid(name))
		return -EINVAL;
	api = calloc(1, sizeof *api);
	if (!api || !(api->name = strdup(name))) {
		free(api);
		return -ENOMEM;
	}
	api->closure = closure;
	api->itf = itf;
	rc = insert(set, api);
	if (rc < 0) {
		free(api->name);
		free(api);
	}
	return rc;
}

int apiset_rename(struct apiset *set, const char *oldname, const char *newname)
{
	int i = search(set, oldname), rc;
	struct api *api;
	char *name;

	if (!api_name_is_valid(newname))
		return -EINVAL;
	if (i < 0)
		return -ENOENT;
	if (strcasecmp(oldname, newname) && search(set, newname) >= 0)
		return -EEXIST;
	name = strdup(newname);
	if (!name)
		return -ENOMEM;
	api = set->apis[i];
	memmove(&set->apis[i], &set->apis[i + 1], sizeof *set->apis * (size_t)(set->count - i - 1));
	set->count--;
	free(api->name);
	api->name = name;
	rc = insert(set, api);	/* cannot fail: the slot was just freed */
	return rc;
}

struct api *apiset_get(struct apiset *set, const char *name)
{
	int i = set && name ? search(set, name) : -1;

	return i >= 0 ? set->apis[i] : NULL;
}

int apiset_start(struct apiset *set, const char *name)
{
	struct api *api = apiset_get(set, name);
	int rc;

	if (!api)
		return -ENOENT;
	switch (api->state) {
	case 2:
		return 0;
	case 1:
		LOGE("api %s: circular start requirement", api->name);
		return -ELOOP;
	case -1:
		return -ECANCELED;
	}
	api->state = 1;
	rc = api->itf->start ? api->itf->start(api->closure) : 0;
	api->state = rc < 0 ? -1 : 2;
	return rc < 0 ? rc : 0;
}

int apiset_start_all(struct apiset *set)
{
	int i, rc;

	for (i = 0; i < set->count; i++) {
		rc = apiset_start(set, set->apis[i]->name);
		/* a start that faulted is logged and fails only its api's calls (fault.h) */
		if (rc < 0 && rc != -EFAULT)
			return rc;
	}
	return 0;
}

struct json_object *apiset_names(struct apiset *set)
{
	struct json_object *array = json_object_new_array();
	int i;

	for (i = 0; array && i < set->count; i++)
		json_object_array_add(array, json_object_new_string(set->apis[i]->name));
	return array;
}

int apiset_count(struct apiset *set)
{
	return set->count;
}

struct api *apiset_at(struct apiset *set, int index)
{
	return index >= 0 && index < set->count ? set->apis[index] : NULL;
}
