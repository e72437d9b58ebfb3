/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>
#include "apiset.h"
#include "mainloop.h"
#include "verbose.h"

/* A name of an api: the sorted array of names is searched by halves. */
struct entry {
	char *name;
	struct api *api;	/* one reference per entry */
};

struct watcher {
	struct watcher *next;
	apiset_watcher_fn fn;
	void *closure;
};

struct apiset {
	pthread_rwlock_t lock;	/* the names; never held while calling out */
	int count;
	int alloc;
	struct entry *entries;
	atomic_int refcount;	/* the owner and the notices in flight */
	struct watcher *watchers;	/* main thread only */
};

struct apiset *main_apiset;

/* serialises the starts, not the start functions themselves */
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t start_cond = PTHREAD_COND_INITIALIZER;

struct apiset *apiset_new(void)
{
	struct apiset *set = calloc(1, sizeof *set);

	if (set) {
		pthread_rwlock_init(&set->lock, NULL);
		atomic_init(&set->refcount, 1);
	}
	return set;
}

static void set_unref(struct apiset *set)
{
	struct watcher *w;

	if (atomic_fetch_sub(&set->refcount, 1) != 1)
		return;
	while ((w = set->watchers)) {
		set->watchers = w->next;
		free(w);
	}
	pthread_rwlock_destroy(&set->lock);
	free(set->entries);
	free(set);
}

void apiset_free(struct apiset *set)
{
	struct entry *entries;
	int i, count;

	if (!set)
		return;
	pthread_rwlock_wrlock(&set->lock);
	entries = set->entries;
	count = set->count;
	set->entries = NULL;
	set->count = set->alloc = 0;
	pthread_rwlock_unlock(&set->lock);
	for (i = 0; i < count; i++) {
		api_unref(entries[i].api);
		free(entries[i].name);
	}
	free(entries);
	set_unref(set);
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

/* ---- apis ---- */

struct api *api_ref(struct api *api)
{
	if (api)
		atomic_fetch_add(&api->refcount, 1);
	return api;
}

void api_unref(struct api *api)
{
	if (!api || atomic_fetch_sub(&api->refcount, 1) != 1)
		return;
	if (api->itf->destroy)
		api->itf->destroy(api->closure);
	free(api->name);
	free(api);
}

static struct api *api_create(const char *name, void *closure, const struct api_itf *itf, int noconcurrency)
{
	struct api *api = calloc(1, sizeof *api);

	if (!api || !(api->name = strdup(name))) {
		free(api);
		return NULL;
	}
	api->closure = closure;
	api->itf = itf;
	api->group = noconcurrency ? api : NULL;
	atomic_init(&api->state, API_NOT_STARTED);
	atomic_init(&api->refcount, 1);
	return api;
}

/* ---- notifications ---- */

struct notice {
	struct apiset *set;
	enum apiset_change change;
	struct api *api;
	char name[];
};

static void deliver(void *arg)
{
	struct notice *n = arg;
	struct watcher *w, *next;

	for (w = n->set->watchers; w; w = next) {
		next = w->next;	/* a watcher may unwatch itself */
		w->fn(w->closure, n->set, n->change, n->name, n->api);
	}
	api_unref(n->api);
	set_unref(n->set);
	free(n);
}

static void notify(struct apiset *set, enum apiset_change change, const char *name, struct api *api)
{
	size_t len = strlen(name);
	struct notice *n = malloc(sizeof *n + len + 1);

	if (!n) {
		LOGE("api %s: out of memory, a change of the apis is not announced", name);
		return;
	}
	n->set = set;
	n->change = change;
	n->api = api_ref(api);
	memcpy(n->name, name, len + 1);
	atomic_fetch_add(&set->refcount, 1);
	if (mainloop_post(deliver, n) < 0) {
		LOGE("api %s: out of memory, a change of the apis is not announced", name);
		api_unref(n->api);
		atomic_fetch_sub(&set->refcount, 1);
		free(n);
	}
}

int apiset_watch(struct apiset *set, apiset_watcher_fn fn, void *closure)
{
	struct watcher *w = malloc(sizeof *w), **p;

	if (!w)
		return -ENOMEM;
	w->fn = fn;
	w->closure = closure;
	w->next = NULL;
	for (p = &set->watchers; *p; p = &(*p)->next);
	*p = w;
	return 0;
}

void apiset_unwatch(struct apiset *set, apiset_watcher_fn fn, void *closure)
{
	struct watcher *w, **p;

	for (p = &set->watchers; (w = *p); p = &w->next) {
		if (w->fn == fn && w->closure == closure) {
			*p = w->next;
			free(w);
			return;
		}
	}
}

void apiset_changed(struct apiset *set, struct api *api)
{
	notify(set, APISET_CHANGED, api->name, api);
}

/* ---- names ---- */

/* Index of 'name' or, when absent, -1 - (insertion index). Lock held. */
static int search(struct apiset *set, const char *name)
{
	int lo = 0, hi = set->count, mid, c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcasecmp(set->entries[mid].name, name);
		if (!c)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1 - lo;
}

/* Inserts 'name' for 'api', taking a reference. Write lock held. */
static int insert(struct apiset *set, const char *name, struct api *api)
{
	int i = search(set, name);
	struct entry *n;
	char *copy;

	if (i >= 0)
		return -EEXIST;
	i = -1 - i;
	if (set->count == set->alloc) {
		n = realloc(set->entries, sizeof *n * (size_t)(set->alloc + 8));
		if (!n)
			return -ENOMEM;
		set->entries = n;
		set->alloc += 8;
	}
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	memmove(&set->entries[i + 1], &set->entries[i], sizeof *set->entries * (size_t)(set->count - i));
	set->entries[i].name = copy;
	set->entries[i].api = api_ref(api);
	set->count++;
	return 0;
}

int apiset_add_api(struct apiset *set, const char *name, void *closure, const struct api_itf *itf,
		   int noconcurrency, struct api **result)
{
	struct api *api;
	int rc;

	if (!api_name_is_valid(name))
		return -EINVAL;
	api = api_create(name, closure, itf, noconcurrency);
	if (!api)
		return -ENOMEM;
	pthread_rwlock_wrlock(&set->lock);
	rc = insert(set, name, api);
	pthread_rwlock_unlock(&set->lock);
	if (rc < 0) {
		/* not destroyed: the closure still belongs to the caller */
		free(api->name);
		free(api);
		return rc;
	}
	notify(set, APISET_ADDED, name, api);
	if (result)
		*result = api;
	else
		api_unref(api);
	return 0;
}

int apiset_add(struct apiset *set, const char *name, void *closure, const struct api_itf *itf)
{
	return apiset_add_api(set, name, closure, itf, 0, NULL);
}

int apiset_add_alias(struct apiset *set, const char *name, const char *alias)
{
	struct api *api = NULL;
	int i, rc;

	if (!api_name_is_valid(alias))
		return -EINVAL;
	pthread_rwlock_wrlock(&set->lock);
	i = name ? search(set, name) : -1;
	if (i < 0) {
		rc = -ENOENT;
	} else {
		api = api_ref(set->entries[i].api);
		rc = insert(set, alias, api);
	}
	pthread_rwlock_unlock(&set->lock);
	if (rc == 0)
		notify(set, APISET_ADDED, alias, api);
	api_unref(api);
	return rc;
}

int apiset_remove(struct apiset *set, const char *name)
{
	struct entry *removed = NULL;
	struct api *api;
	int i, j, n = 0;

	pthread_rwlock_wrlock(&set->lock);
	i = search(set, name);
	if (i < 0) {
		pthread_rwlock_unlock(&set->lock);
		return -ENOENT;
	}
	api = set->entries[i].api;
	removed = malloc(sizeof *removed * (size_t)set->count);
	/* keeps the entries of other apis, in order */
	for (i = j = 0; i < set->count; i++) {
		if (set->entries[i].api != api)
			set->entries[j++] = set->entries[i];
		else if (removed)
			removed[n++] = set->entries[i];
		else {
			/* no memory for the notices: drop the names silently */
			free(set->entries[i].name);
			api_unref(set->entries[i].api);
		}
	}
	set->count = j;
	pthread_rwlock_unlock(&set->lock);
	for (i = 0; i < n; i++) {
		notify(set, APISET_REMOVED, removed[i].name, removed[i].api);
		free(removed[i].name);
		api_unref(removed[i].api);
	}
	free(removed);
	return 0;
}

int apiset_rename(struct apiset *set, const char *oldname, const char *newname)
{
	struct api *api;
	char *name;
	int i, rc;

	if (!api_name_is_valid(newname))
		return -EINVAL;
	pthread_rwlock_wrlock(&set->lock);
	i = search(set, oldname);
	if (i < 0)
		rc = -ENOENT;
	else if (strcasecmp(oldname, newname) && search(set, newname) >= 0)
		rc = -EEXIST;
	else if (!(name = strdup(newname)))
		rc = -ENOMEM;
	else {
		api = set->entries[i].api;
		free(set->entries[i].name);
		memmove(&set->entries[i], &set->entries[i + 1], sizeof *set->entries * (size_t)(set->count - i - 1));
		set->count--;
		if (!strcmp(api->name, oldname)) {
			free(api->name);
			api->name = name;
		} else {
			free(name);
		}
		rc = insert(set, newname, api);	/* cannot fail: a slot was just freed */
		api_unref(api);
	}
	pthread_rwlock_unlock(&set->lock);
	return rc;
}

struct api *apiset_lookup(struct apiset *set, const char *name)
{
	struct api *api = NULL;
	int i;

	if (!set || !name)
		return NULL;
	pthread_rwlock_rdlock(&set->lock);
	i = search(set, name);
	if (i >= 0)
		api = api_ref(set->entries[i].api);
	pthread_rwlock_unlock(&set->lock);
	return api;
}

/* ---- starts ---- */

int api_start(struct api *api)
{
	int rc;

	pthread_mutex_lock(&start_lock);
	for (;;) {
		switch (atomic_load(&api->state)) {
		case API_STARTED:
			pthread_mutex_unlock(&start_lock);
			return 0;
		case API_FAILED:
			pthread_mutex_unlock(&start_lock);
			return -ECANCELED;
		case API_STARTING:
			if (pthread_equal(api->starter, pthread_self())) {
				pthread_mutex_unlock(&start_lock);
				LOGE("api %s: circular start requirement", api->name);
				return -ELOOP;
			}
			pthread_cond_wait(&start_cond, &start_lock);
			continue;
		}
		break;
	}
	atomic_store(&api->state, API_STARTING);
	api->starter = pthread_self();
	pthread_mutex_unlock(&start_lock);

	rc = api->itf->start ? api->itf->start(api->closure) : 0;

	pthread_mutex_lock(&start_lock);
	atomic_store(&api->state, rc < 0 ? API_FAILED : API_STARTED);
	pthread_cond_broadcast(&start_cond);
	pthread_mutex_unlock(&start_lock);
	return rc < 0 ? rc : 0;
}

int apiset_start(struct apiset *set, const char *name)
{
	struct api *api = apiset_lookup(set, name);
	int rc;

	if (!api)
		return -ENOENT;
	rc = api_start(api);
	api_unref(api);
	return rc;
}

int apiset_start_all(struct apiset *set)
{
	struct api **list = apiset_list(set);
	int i, rc = 0;

	if (!list)
		return -ENOMEM;
	for (i = 0; list[i]; i++) {
		rc = api_start(list[i]);
		/* a start that faulted is logged and fails only its api's calls (fault.h) */
		if (rc < 0 && rc != -EFAULT)
			break;
		rc = 0;
	}
	apiset_list_free(list);
	return rc;
}

/* ---- enumerations ---- */

struct json_object *apiset_names(struct apiset *set)
{
	struct json_object *array = json_object_new_array();
	int i;

	pthread_rwlock_rdlock(&set->lock);
	for (i = 0; array && i < set->count; i++)
		json_object_array_add(array, json_object_new_string(set->entries[i].name));
	pthread_rwlock_unlock(&set->lock);
	return array;
}

int apiset_count(struct apiset *set)
{
	int n;

	pthread_rwlock_rdlock(&set->lock);
	n = set->count;
	pthread_rwlock_unlock(&set->lock);
	return n;
}

struct api **apiset_list(struct apiset *set)
{
	struct api **list;
	int i, n = 0;

	pthread_rwlock_rdlock(&set->lock);
	list = malloc(sizeof *list * (size_t)(set->count + 1));
	if (list)
		for (i = 0; i < set->count; i++)
			/* an api is listed under the name it was added with, not its aliases */
			if (!strcasecmp(set->entries[i].name, set->entries[i].api->name))
				list[n++] = api_ref(set->entries[i].api);
	if (list)
		list[n] = NULL;
	pthread_rwlock_unlock(&set->lock);
	return list;
}

void apiset_list_free(struct api **list)
{
	int i;

	for (i = 0; list && list[i]; i++)
		api_unref(list[i]);
	free(list);
}
