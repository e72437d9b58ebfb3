/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loader of binding API v3 (api-so-v3.h), following the order of the
 * binding-api-v2-v3 reference (5.1):
 *  1. afbBindingV3 and/or afbBindingV3entry, with afbBindingV3root;
 *  2. with a descriptor: the api is made and declared, afbBindingV3root
 *     is set, userdata, verbs, onevent, init, provide_class,
 *     require_class, require_api are applied, then the pre-init
 *     (afbBindingV3entry, or the descriptor's preinit: not both) runs,
 *     then the api is sealed; a failure undeclares it;
 *  3. entry only: a root api named after the file, never declared nor
 *     started, is given to afbBindingV3entry, which makes the real apis
 *     (afb_api_new_api); it lives as long as the daemon.
 * Binding code runs under the fault guard.
 */
#define AFB_BINDING_VERSION 0
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "afb/afb-binding.h"
#include "api-so-v3.h"
#include "api-v3.h"
#include "apiset.h"
#include "mainloop.h"
#include "subloop.h"
#include "verbose.h"

/* what is kept of each binding for the daemon's life */
struct binding {
	struct binding *next;
	struct subloop *loop;
	struct api_v3 *root;	/* entry-only bindings: their root api */
	struct fault_site site;
	char path[];
};
static pthread_mutex_t bindings_lock = PTHREAD_MUTEX_INITIALIZER;
static struct binding *bindings;

static struct binding *binding_of(const char *path)
{
	struct binding *b;
	size_t len;

	pthread_mutex_lock(&bindings_lock);
	for (b = bindings; b && strcmp(b->path, path); b = b->next);
	if (!b) {
		len = strlen(path);
		b = calloc(1, sizeof *b + len + 1);
		if (b) {
			memcpy(b->path, path, len + 1);
			b->site.binding = b->path;
			b->site.api = "(its event loop)";
			/* made on the main thread, before the daemon's loop runs */
			if (mainloop_event() && subloop_new(&b->loop, &b->site) < 0)
				LOGW("binding %s: no loop of its own: its apis get the daemon's", path);
			b->next = bindings;
			bindings = b;
		}
	}
	pthread_mutex_unlock(&bindings_lock);
	return b;
}

struct subloop *api_so_binding_loop(const char *path)
{
	struct binding *b = binding_of(path);

	return b ? b->loop : NULL;
}

void api_so_v3_cleanup(void)
{
	struct binding *b;

	while ((b = bindings)) {
		bindings = b->next;
		subloop_free(b->loop);
		api_v3_unref(b->root);
		free(b);
	}
}

/* ---- running the pre-init ---- */

struct preinit {
	struct api_v3 *api;
	int (*entry)(struct afb_api_x3 *api);
	int rc;
};

static void preinit_call(void *closure)
{
	struct preinit *p = closure;

	p->rc = p->entry(&p->api->x3);
}

/* Runs entry(api) guarded. 0 or a negative value. */
static int run_preinit(struct api_v3 *a, int (*entry)(struct afb_api_x3 *), const char *name)
{
	struct preinit p = { a, entry, 0 };

	if (api_v3_guard(a, "preinit", name, NULL, preinit_call, &p))
		return -EFAULT;
	return p.rc < 0 ? p.rc : 0;
}

/* Applies the fields of the descriptor, in the reference's order. NULL or the one that failed. */
static const char *apply(struct api_v3 *a, const struct afb_binding_v3 *desc)
{
	if (desc->verbs && api_v3_set_verbs_v3(a, desc->verbs) < 0)
		return "verbs";
	if (desc->onevent && api_v3_on_event(a, desc->onevent) < 0)
		return "onevent";
	if (desc->init && api_v3_on_init(a, desc->init) < 0)
		return "init";
	if (desc->provide_class && api_v3_class_provide(a, desc->provide_class) < 0)
		return "provide_class";
	if (desc->require_class && api_v3_class_require(a, desc->require_class) < 0)
		return "require_class";
	if (desc->require_api && api_v3_require_api(a, desc->require_api, 0) < 0)
		return "require_api";
	return NULL;
}

static int load_descriptor(struct apiset *set, const char *path, const struct afb_binding_v3 *desc,
			   int (*entry)(struct afb_api_x3 *), struct afb_api_x3 **root)
{
	struct api_v3 *a;
	const char *what;
	int rc;

	if (!desc->api || !api_name_is_valid(desc->api)) {
		LOGE("binding %s: invalid api name in afbBindingV3: %s", path, desc->api ? desc->api : "(null)");
		return -EINVAL;
	}
	if (entry && desc->preinit) {
		LOGE("binding %s: clash of pre-inits: afbBindingV3entry and afbBindingV3.preinit are both set", path);
		return -EINVAL;
	}
	a = api_v3_new(set, desc->api, desc->info, desc->noconcurrency, path, api_so_binding_loop(path), 0);
	if (!a)
		return -errno;
	a->specification = desc->specification;
	rc = api_v3_declare(a);
	if (rc < 0) {
		LOGE("binding %s: can't add api %s: %s", path, desc->api,
		     rc == -EEXIST ? "an api of that name already exists" : strerror(-rc));
		api_v3_unref(a);
		return rc;
	}
	/* before any code of the binding runs: AFB_NOTICE... use it */
	*root = &a->x3;
	a->x3.userdata = desc->userdata;
	what = apply(a, desc);
	if (what) {
		LOGE("binding %s: api %s: its %s can't be set: %s", path, a->name, what, strerror(errno));
		rc = -EINVAL;
	} else if (entry) {
		rc = run_preinit(a, entry, "afbBindingV3entry");
	} else if (desc->preinit) {
		rc = run_preinit(a, desc->preinit, "preinit");
	}
	if (rc < 0) {
		if (!what)
			LOGE("binding %s: the pre-init of api %s failed", path, a->name);
		api_v3_undeclare(a);
		api_v3_unref(a);
		return rc;
	}
	api_v3_seal(a);
	LOGN("binding %s: api %s added (binding API v3)", path, a->name);
	api_v3_unref(a);	/* the set holds it */
	return 1;
}

static int load_entry(struct apiset *set, const char *path, int (*entry)(struct afb_api_x3 *),
		      struct afb_api_x3 **root, const char *symbol)
{
	struct binding *b = binding_of(path);
	struct api_v3 *a;
	int rc;

	if (!b)
		return -ENOMEM;
	/* the root of an entry-only binding: named after its file, never declared */
	a = api_v3_new(set, path, NULL, 0, path, b->loop, 1);
	if (!a)
		return -errno;
	if (root)
		*root = &a->x3;
	rc = run_preinit(a, entry, symbol);
	api_v3_seal(a);
	if (rc < 0) {
		LOGE("binding %s: %s failed", path, symbol);
		api_v3_unref(a);
		return rc;
	}
	/* it stays valid forever: the binding may keep it (afbBindingV3root) */
	pthread_mutex_lock(&bindings_lock);
	b->root = a;
	pthread_mutex_unlock(&bindings_lock);
	LOGN("binding %s: loaded (binding API v3, %s only)", path, symbol);
	return 1;
}

int api_so_v3_load(struct apiset *set, const char *path, void *handle)
{
	const struct afb_binding_v3 *desc = dlsym(handle, "afbBindingV3");
	int (*entry)(struct afb_api_x3 *) = (int (*)(struct afb_api_x3 *))dlsym(handle, "afbBindingV3entry");
	int (*vdyn)(struct afb_api_x3 *) = (int (*)(struct afb_api_x3 *))dlsym(handle, "afbBindingVdyn");
	struct afb_api_x3 **root;

	if (!desc && !entry)
		return vdyn ? load_entry(set, path, vdyn, NULL, "afbBindingVdyn") : 0;
	root = dlsym(handle, "afbBindingV3root");
	if (!root) {
		LOGE("binding %s: incomplete symbol set of binding API v3: afbBindingV3root is missing", path);
		return -EINVAL;
	}
	if (desc)
		return load_descriptor(set, path, desc, entry, root);
	return load_entry(set, path, entry, root, "afbBindingV3entry");
}
