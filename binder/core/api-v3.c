/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The apis of binding API v3 (api-v3.h): life, verbs, dispatch, start,
 * description. Their events are in api-v3-events.c, their interface
 * table in api-v3-itf.c.
 */
#define AFB_BINDING_VERSION 0
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>
#include "afb/afb-binding.h"
#include "api-v3.h"
#include "api-v3-internal.h"
#include "apiset.h"
#include "auth.h"
#include "evt.h"
#include "hook.h"
#include "req-x2.h"
#include "session.h"
#include "verbose.h"
#include "xreq.h"

/* a verb added by afb_api_add_verb */
struct dynverb {
	struct dynverb *next;
	void (*callback)(struct afb_req_x2 *req);
	void *vcbdata;
	const struct afb_auth *auth;
	char *info;
	uint32_t session;
	int glob;
	char name[];
};

/* the providers of classes, for the start order */
struct provider {
	struct provider *next;
	struct api_v3 *api;	/* borrowed: unlisted when it is freed */
	char name[];
};
static pthread_mutex_t providers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct provider *providers;

/* ---- names lists ---- */

struct name_list {
	struct name_list *next;
	char name[];
};

static void names_free(struct name_list *l)
{
	struct name_list *next;

	for (; l; l = next) {
		next = l->next;
		free(l);
	}
}

/* Calls fn(closure, word) for each word of the space-separated 'names'. Stops at the first error. */
static int for_each_name(const char *names, int (*fn)(void *closure, const char *word, size_t len), void *closure)
{
	const char *p = names;
	size_t len;
	int rc = 0;

	while (p && *p && rc >= 0) {
		p += strspn(p, " \t\n");
		len = strcspn(p, " \t\n");
		if (len)
			rc = fn(closure, p, len);
		p += len;
	}
	return rc;
}

static int add_name(void *closure, const char *word, size_t len)
{
	struct name_list **list = closure, *n = malloc(sizeof *n + len + 1);

	if (!n)
		return -ENOMEM;
	memcpy(n->name, word, len);
	n->name[len] = 0;
	n->next = *list;
	*list = n;
	return 0;
}

/* ---- life ---- */

static const struct api_itf v3_api_itf;

/* what a verbosity lets out (verbose.h): 0 errors, 1 + warnings and notices, 2 + info, 3 + debug */
static int logmask_of_verbosity(int level)
{
	return level <= 0 ? 0x0f : level == 1 ? 0x3f : level == 2 ? 0x7f : 0xff;
}

/* the verbosity of the highest syslog level of a mask */
static int verbosity_of_logmask(int logmask)
{
	return logmask & 0x80 ? 3 : logmask & 0x40 ? 2 : logmask & 0x30 ? 1 : 0;
}

int api_v3_default_logmask(void)
{
	return logmask_of_verbosity(verbosity);
}

struct api_v3 *api_v3_new(struct apiset *set, const char *name, const char *info, int noconcurrency,
			  const char *path, struct subloop *loop, int anonymous)
{
	struct api_v3 *a;

	if (!name || (!anonymous && !api_name_is_valid(name))) {
		errno = EINVAL;
		return NULL;
	}
	a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->name = strdup(name);
	a->info = info ? strdup(info) : NULL;
	a->path = path ? strdup(path) : NULL;
	if (!a->name || (info && !a->info) || (path && !a->path)) {
		free(a->name);
		free(a->info);
		free(a->path);
		free(a);
		errno = ENOMEM;
		return NULL;
	}
	a->x3.itf = &api_v3_itf;
	a->x3.apiname = a->name;
	a->x3.logmask = api_v3_default_logmask();
	a->site.binding = a->path;
	a->site.api = a->name;
	atomic_init(&a->refcount, 1);
	atomic_init(&a->state, API_V3_PREINIT);
	atomic_init(&a->sealed, 0);
	a->set = set;
	a->noconcurrency = !!noconcurrency;
	a->loop = loop;
	pthread_rwlock_init(&a->lock, NULL);
	return a;
}

struct api_v3 *api_v3_ref(struct api_v3 *a)
{
	atomic_fetch_add(&a->refcount, 1);
	return a;
}

void api_v3_unref(struct api_v3 *a)
{
	struct provider **pp, *p;
	struct dynverb *v;

	if (!a || atomic_fetch_sub(&a->refcount, 1) != 1)
		return;
	pthread_mutex_lock(&providers_lock);
	for (pp = &providers; (p = *pp);) {
		if (p->api == a) {
			*pp = p->next;
			free(p);
		} else {
			pp = &p->next;
		}
	}
	pthread_mutex_unlock(&providers_lock);
	api_v3_events_release(a);
	while ((v = a->dynverbs)) {
		a->dynverbs = v->next;
		free(v->info);
		free(v);
	}
	names_free(a->req_apis);
	names_free(a->req_classes);
	names_free(a->aliases);
	json_object_put(a->settings);
	pthread_rwlock_destroy(&a->lock);
	free(a->name);
	free(a->info);
	free(a->path);
	free(a);
}

int api_v3_declare(struct api_v3 *a)
{
	struct name_list *alias;
	struct api *api;
	int rc;

	rc = apiset_add_api(a->set, a->name, a, &v3_api_itf, a->noconcurrency, &api);
	if (rc < 0)
		return rc;
	/* the entry holds a reference of the api object; we keep a borrowed pointer to the entry */
	api_v3_ref(a);
	a->api = api;
	api_unref(api);
	while ((alias = a->aliases)) {
		a->aliases = alias->next;
		rc = apiset_add_alias(a->set, a->name, alias->name);
		if (rc < 0)
			LOGE("api %s: can't add its alias %s: %s", a->name, alias->name,
			     rc == -EEXIST ? "the name is taken" : strerror(-rc));
		free(alias);
	}
	return 0;
}

void api_v3_set_making(struct api_v3 *a, int making)
{
	a->making = making;
}

int api_v3_in_making(struct api_v3 *a)
{
	return a->making;
}

int api_v3_defer_alias(struct api_v3 *a, const char *alias)
{
	if (!api_name_is_valid(alias))
		return -EINVAL;
	return add_name(&a->aliases, alias, strlen(alias));
}

void api_v3_undeclare(struct api_v3 *a)
{
	if (a->api) {
		a->api = NULL;
		apiset_remove(a->set, a->name);
	}
}

int api_v3_guard(struct api_v3 *a, const char *what, const char *name, struct xreq *xreq,
		 void (*fn)(void *), void *arg)
{
	return fault_guard(&a->site, what, name, xreq, fn, arg);
}

/* the verbs or the description changed: the transports that publish them follow */
static void changed(struct api_v3 *a)
{
	if (a->api)
		apiset_changed(a->set, a->api);
}

/* ---- set-up ---- */

static int unsealed(struct api_v3 *a)
{
	if (atomic_load(&a->sealed)) {
		errno = EPERM;
		return 0;
	}
	return 1;
}

int api_v3_set_verbs_v2(struct api_v3 *a, const struct afb_verb_v2 *verbs)
{
	if (!unsealed(a))
		return -1;
	pthread_rwlock_wrlock(&a->lock);
	a->verbs_v2 = verbs;
	pthread_rwlock_unlock(&a->lock);
	changed(a);
	return 0;
}

int api_v3_set_verbs_v3(struct api_v3 *a, const struct afb_verb_v3 *verbs)
{
	if (!unsealed(a))
		return -1;
	pthread_rwlock_wrlock(&a->lock);
	a->verbs_v3 = verbs;
	pthread_rwlock_unlock(&a->lock);
	changed(a);
	return 0;
}

int api_v3_add_verb(struct api_v3 *a, const char *verb, const char *info, void (*callback)(struct afb_req_x2 *),
		    void *vcbdata, const struct afb_auth *auth, uint32_t session, int glob)
{
	struct dynverb *v, **p;
	size_t len;

	if (!unsealed(a))
		return -1;
	if (!verb || !*verb || !callback) {
		errno = EINVAL;
		return -1;
	}
	len = strlen(verb);
	v = calloc(1, sizeof *v + len + 1);
	if (!v || (info && !(v->info = strdup(info)))) {
		free(v);
		errno = ENOMEM;
		return -1;
	}
	memcpy(v->name, verb, len + 1);
	v->callback = callback;
	v->vcbdata = vcbdata;
	v->auth = auth;
	v->session = (uint16_t)session;	/* as afb_verb_v3.session */
	v->glob = !!glob;
	pthread_rwlock_wrlock(&a->lock);
	for (p = &a->dynverbs; *p; p = &(*p)->next) {
		if ((*p)->glob == v->glob && !strcasecmp((*p)->name, verb)) {
			pthread_rwlock_unlock(&a->lock);
			free(v->info);
			free(v);
			errno = EEXIST;
			return -1;
		}
	}
	*p = v;
	pthread_rwlock_unlock(&a->lock);
	changed(a);
	return 0;
}

int api_v3_del_verb(struct api_v3 *a, const char *verb, void **vcbdata)
{
	struct dynverb *v, **p;

	if (!unsealed(a))
		return -1;
	pthread_rwlock_wrlock(&a->lock);
	for (p = &a->dynverbs; (v = *p) && (!verb || strcasecmp(v->name, verb)); p = &v->next);
	if (v)
		*p = v->next;
	pthread_rwlock_unlock(&a->lock);
	if (!v) {
		errno = ENOENT;
		return -1;
	}
	if (vcbdata)
		*vcbdata = v->vcbdata;
	free(v->info);
	free(v);
	changed(a);
	return 0;
}

int api_v3_on_init(struct api_v3 *a, int (*oninit)(struct afb_api_x3 *))
{
	if (atomic_load(&a->state) != API_V3_PREINIT) {
		errno = EINVAL;
		return -1;
	}
	a->oninit = oninit;
	return 0;
}

struct list_add {
	struct api_v3 *api;
	struct name_list **list;
};

static int add_require(void *closure, const char *word, size_t len)
{
	return add_name(closure, word, len);
}

static int check_required(void *closure, const char *word, size_t len)
{
	int initialized = *(int *)closure;
	char name[256];
	struct api *api;
	int rc;

	if (len >= sizeof name)
		return -ENAMETOOLONG;
	memcpy(name, word, len);
	name[len] = 0;
	api = apiset_lookup(main_apiset, name);
	if (!api) {
		LOGE("required api %s not found", name);
		return -ENOENT;
	}
	rc = initialized ? api_start(api) : 0;
	if (rc < 0)
		LOGE("required api %s could not start", name);
	api_unref(api);
	return rc;
}

int api_v3_require_api(struct api_v3 *a, const char *names, int initialized)
{
	int rc;

	if (!names) {
		errno = EINVAL;
		return -1;
	}
	if (atomic_load(&a->state) == API_V3_PREINIT) {
		if (initialized) {
			LOGE("api %s: requiring %s started is forbidden before it starts (preinit)", a->name, names);
			errno = EINVAL;
			return -1;
		}
		pthread_rwlock_wrlock(&a->lock);
		rc = for_each_name(names, add_require, &a->req_apis);
		pthread_rwlock_unlock(&a->lock);
	} else {
		rc = for_each_name(names, check_required, &initialized);
	}
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

static int add_provider(void *closure, const char *word, size_t len)
{
	struct provider *p = malloc(sizeof *p + len + 1);

	if (!p)
		return -ENOMEM;
	memcpy(p->name, word, len);
	p->name[len] = 0;
	p->api = closure;
	pthread_mutex_lock(&providers_lock);
	p->next = providers;
	providers = p;
	pthread_mutex_unlock(&providers_lock);
	return 0;
}

int api_v3_class_provide(struct api_v3 *a, const char *names)
{
	int rc = names ? for_each_name(names, add_provider, a) : -EINVAL;

	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

int api_v3_class_require(struct api_v3 *a, const char *names)
{
	int rc;

	if (!names) {
		errno = EINVAL;
		return -1;
	}
	pthread_rwlock_wrlock(&a->lock);
	rc = for_each_name(names, add_name, &a->req_classes);
	pthread_rwlock_unlock(&a->lock);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

void api_v3_seal(struct api_v3 *a)
{
	atomic_store(&a->sealed, 1);
}

/* ---- logging ---- */

void api_v3_vlog(int logmask, int level, const char *kind, const char *name, const char *file, int line,
		 const char *func, const char *fmt, va_list args)
{
	char prefix[160];

	if (level < 0 || level > 7 || !(logmask & (1 << level)))
		return;
	snprintf(prefix, sizeof prefix, "%s %s", kind, name ? name : "?");
	verbose_v(level, prefix, file, line, func, fmt ? fmt : "(no message)", args);
}

/* the binding's macros read x3.logmask (and a v2 binding its data's verbosity) without lock */
static void store_logmask(struct api_v3 *a, int logmask)
{
	__atomic_store_n(&a->x3.logmask, logmask, __ATOMIC_RELAXED);
	if (a->v2data)
		__atomic_store_n(&a->v2data->verbosity,
				 AFB_SYSLOG_LEVEL_TO_VERBOSITY(_afb_verbomask_to_upper_level_(logmask)), __ATOMIC_RELAXED);
}

int api_v3_set_logmask(struct apiset *set, const char *name, int logmask)
{
	struct api *api = apiset_lookup(set, name);

	if (!api || api->itf != &v3_api_itf) {
		api_unref(api);
		return -ENOENT;
	}
	store_logmask(api->closure, logmask);
	api_unref(api);
	return 0;
}

/* ---- dispatch ---- */

struct found {
	const char *name;
	void (*callback_v3)(struct afb_req_x2 *req);
	void (*callback_v2)(struct afb_req_x1 req);
	void *vcbdata;
	const struct afb_auth *auth;
	unsigned session;
	struct xreq *xreq;
};

static int glob_match(const char *pattern, const char *name)
{
	return !fnmatch(pattern, name, FNM_NOESCAPE | FNM_PATHNAME | FNM_CASEFOLD | FNM_PERIOD);
}

/* The verb of 'name': added verbs, then the v3 array, then the v2 array. */
static int find_verb(struct api_v3 *a, const char *name, struct found *f)
{
	const struct afb_verb_v3 *v3;
	const struct afb_verb_v2 *v2;
	struct dynverb *d;
	int found = 0;

	pthread_rwlock_rdlock(&a->lock);
	for (d = a->dynverbs; d && !found; d = d->next) {
		if (d->glob ? glob_match(d->name, name) : !strcasecmp(d->name, name)) {
			*f = (struct found){ name, d->callback, NULL, d->vcbdata, d->auth, d->session, NULL };
			found = 1;
		}
	}
	for (v3 = a->verbs_v3; !found && v3 && v3->verb; v3++) {
		if (v3->glob ? glob_match(v3->verb, name) : !strcasecmp(v3->verb, name)) {
			*f = (struct found){ v3->verb, v3->callback, NULL, v3->vcbdata, v3->auth, v3->session, NULL };
			found = 1;
		}
	}
	for (v2 = a->verbs_v2; !found && v2 && v2->verb; v2++) {
		if (!strcasecmp(v2->verb, name)) {
			*f = (struct found){ v2->verb, NULL, v2->callback, NULL, v2->auth, v2->session, NULL };
			found = 1;
		}
	}
	pthread_rwlock_unlock(&a->lock);
	return found;
}

static void verb_call(void *closure)
{
	struct found *f = closure;
	struct afb_req_x1 x1;

	if (f->callback_v3) {
		f->callback_v3(&f->xreq->req_x2);
	} else {
		x1.itf = &req_x2_itf;
		x1.closure = &f->xreq->req_x2;
		f->callback_v2(x1);
	}
}

static void v3_call(void *closure, struct xreq *x)
{
	struct api_v3 *a = closure;
	struct found f;

	if (!find_verb(a, x->verb, &f)) {
		xreq_fail_f(x, "unknown-verb", "verb %s unknown within api %s", x->verb, a->name);
	} else {
		x->api_key = &a->site;
		req_x2_bind(x, &a->x3, f.vcbdata);
		if (auth_check_verb(x, f.session, f.auth) == 0) {
			f.xreq = x;
			api_v3_guard(a, "verb", f.name, x, verb_call, &f);
		}
	}
	/* the verb keeps the request with addref if it replies later */
	xreq_unref(x);
}

/* ---- start ---- */

/* A reference unless the api is being freed (its count reached 0). */
static int try_ref(struct api_v3 *a)
{
	int n = atomic_load(&a->refcount);

	while (n > 0)
		if (atomic_compare_exchange_weak(&a->refcount, &n, n + 1))
			return 1;
	return 0;
}

static int start_by_name(struct api_v3 *a, const char *name, const char *why)
{
	struct api *api = apiset_lookup(a->set, name);
	int rc;

	if (!api) {
		LOGE("api %s: %s, %s, does not exist", a->name, why, name);
		return -ENOENT;
	}
	rc = api_start(api);
	if (rc < 0)
		LOGE("api %s: %s, %s, failed to start", a->name, why, name);
	api_unref(api);
	return rc;
}

static int start_required(struct api_v3 *a)
{
	struct api_v3 **list;
	struct provider *p;
	struct name_list *n;
	int count = 0, i, rc = 0;

	/* first the providers of the classes it requires */
	pthread_mutex_lock(&providers_lock);
	for (p = providers; p; p = p->next)
		count++;
	list = calloc((size_t)count + 1, sizeof *list);
	count = 0;
	for (n = a->req_classes; list && n; n = n->next)
		for (p = providers; p; p = p->next)
			if (p->api != a && !strcasecmp(p->name, n->name) && try_ref(p->api))
				list[count++] = p->api;
	pthread_mutex_unlock(&providers_lock);
	if (!list)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		if (rc >= 0 && list[i]->api)
			rc = start_by_name(a, list[i]->name, "a provider of a class it requires");
		api_v3_unref(list[i]);
	}
	free(list);
	/* then the apis it requires */
	for (n = a->req_apis; n && rc >= 0; n = n->next)
		rc = start_by_name(a, n->name, "the api it requires");
	return rc;
}

struct init_call {
	struct api_v3 *api;
	int rc;
};

static void init_call(void *closure)
{
	struct init_call *c = closure;

	c->rc = c->api->oninit ? c->api->oninit(&c->api->x3) : c->api->init_v2();
}

static int v3_start(void *closure)
{
	struct api_v3 *a = closure;
	struct init_call c = { a, 0 };
	int rc, faulted;

	rc = start_required(a);
	if (rc < 0)
		return rc;
	atomic_store(&a->state, API_V3_INIT);
	if (hook_wants(HOOK_SERVICE, HOOK_SVC_START_BEFORE))
		hook_service(a->name, HOOK_SVC_START_BEFORE, NULL);
	/* a fault is logged: the api failed, the daemon goes on */
	faulted = (a->oninit || a->init_v2) && api_v3_guard(a, "init", NULL, NULL, init_call, &c);
	atomic_store(&a->state, API_V3_RUN);
	if (hook_wants(HOOK_SERVICE, HOOK_SVC_START_AFTER))
		hook_service_start_after(a->name, faulted ? -EFAULT : c.rc);
	if (faulted)
		return -EFAULT;
	if (c.rc < 0) {
		LOGE("binding %s: api %s: its init failed (returned %d)", a->path ? a->path : "?", a->name, c.rc);
		return -ECANCELED;
	}
	return 0;
}

/* ---- description ---- */

static void describe_verb(struct json_object *paths, const char *name, const char *info, unsigned session,
			  const struct afb_auth *auth)
{
	struct json_object *path, *get, *responses, *ok, *perm;
	char *key;

	if (asprintf(&key, "/%s", name) < 0)
		return;
	path = json_object_new_object();
	get = json_object_new_object();
	perm = auth_describe(session, auth);
	if (perm)
		json_object_object_add(get, "x-permissions", perm);
	responses = json_object_new_object();
	ok = json_object_new_object();
	json_object_object_add(ok, "description", json_object_new_string(info ? info : name));
	json_object_object_add(responses, "200", ok);
	json_object_object_add(get, "responses", responses);
	json_object_object_add(path, "get", get);
	json_object_object_add(paths, key, path);
	free(key);
}

static struct json_object *v3_describe(void *closure)
{
	struct api_v3 *a = closure;
	struct json_object *root, *info, *paths;
	const struct afb_verb_v3 *v3;
	const struct afb_verb_v2 *v2;
	struct dynverb *d;

	/* a specification that parses is the description */
	if (a->specification && (root = json_tokener_parse(a->specification))) {
		if (json_object_is_type(root, json_type_object))
			return root;
		json_object_put(root);
	}
	root = json_object_new_object();
	json_object_object_add(root, "openapi", json_object_new_string("3.0.0"));
	info = json_object_new_object();
	json_object_object_add(info, "title", json_object_new_string(a->name));
	json_object_object_add(info, "version", json_object_new_string("0.0.0"));
	json_object_object_add(info, "description", json_object_new_string(a->info ? a->info : ""));
	json_object_object_add(root, "info", info);
	paths = json_object_new_object();
	pthread_rwlock_rdlock(&a->lock);
	for (d = a->dynverbs; d; d = d->next)
		describe_verb(paths, d->name, d->info, d->session, d->auth);
	for (v3 = a->verbs_v3; v3 && v3->verb; v3++)
		describe_verb(paths, v3->verb, v3->info, v3->session, v3->auth);
	for (v2 = a->verbs_v2; v2 && v2->verb; v2++)
		describe_verb(paths, v2->verb, v2->info, v2->session, v2->auth);
	pthread_rwlock_unlock(&a->lock);
	json_object_object_add(root, "paths", paths);
	return root;
}

static void v3_destroy(void *closure)
{
	api_v3_unref(closure);
}

/* monitor/get and monitor/set verbosity: the api's own logmask */
static int v3_get_verbosity(void *closure)
{
	struct api_v3 *a = closure;

	return verbosity_of_logmask(__atomic_load_n(&a->x3.logmask, __ATOMIC_RELAXED));
}

static void v3_set_verbosity(void *closure, int level)
{
	store_logmask(closure, logmask_of_verbosity(level));
}

static const struct api_itf v3_api_itf = {
	.call = v3_call,
	.describe = v3_describe,
	.start = v3_start,
	.destroy = v3_destroy,
	.get_verbosity = v3_get_verbosity,
	.set_verbosity = v3_set_verbosity,
};
