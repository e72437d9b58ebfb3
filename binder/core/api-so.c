/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading bindings (api-so.h): dlopen, probing of the versions, directories.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "api-so.h"
#include "api-so-v1.h"
#include "api-so-v2.h"
#include "api-so-v3.h"
#include "api-v3.h"
#include "binding-host.h"
#include "calls.h"
#include "cpulimit.h"
#include "fault.h"
#include "verbose.h"

struct opening {
	const char *path;
	int flags;
	void *handle;
};

static void do_dlopen(void *closure)
{
	struct opening *o = closure;

	o->handle = dlopen(o->path, o->flags);
}

/* dlopen, its constructors running under the fault guard */
static void *open_binding(const char *path)
{
	struct fault_site site = { path, NULL };
	struct opening o = { path, RTLD_NOW | RTLD_LOCAL, NULL };
	const char *env = getenv("AFB_NO_RTLD_DEEPBIND");

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
	/* a binding's own symbols first (its copy of a library...); sanitizers refuse it */
	if (!env || strcmp(env, "1"))
		o.flags |= RTLD_DEEPBIND;
#else
	(void)env;
#endif
	if (fault_guard(&site, "load", NULL, NULL, do_dlopen, &o))
		return NULL;	/* logged by the guard */
	if (!o.handle)
		LOGE("binding %s: can't load: %s", path, dlerror());
	return o.handle;
}

/* loads and pre-inits: 1 when loaded, 0 when not a binding, -errno */
static int load(struct apiset *set, const char *path, void **handle)
{
	int rc;

	*handle = open_binding(path);
	if (!*handle)
		return -ENOENT;
	rc = api_so_v3_load(set, path, *handle);
	if (rc == 0)
		rc = api_so_v2_load(set, path, *handle);
	if (rc == 0)
		rc = api_so_v1_load(set, path, *handle);
	return rc;
}

int api_so_load(struct apiset *set, const char *path)
{
	void *handle;
	int rc;

	host_prepare();
	cpulimit_begin(path, "loading (constructors and pre-init)");
	rc = load(set, path, &handle);
	cpulimit_end();
	if (rc == 0) {
		LOGE("binding %s: not a binding: none of the symbols afbBindingV3, afbBindingV3entry, "
		     "afbBindingV2, afbBindingVdyn, afbBindingV1Register found", path);
		dlclose(handle);
		return -ENOENT;
	}
	/* not dlclosed on error: its code may have run (threads, atexit) */
	return rc < 0 ? rc : 0;
}

static int ends_with_so(const char *name)
{
	size_t n = strlen(name);

	return n > 3 && !strcmp(name + n - 3, ".so");
}

static int load_dir(struct apiset *set, const char *dir, int depth)
{
	struct dirent **entries;
	char path[PATH_MAX];
	struct stat st;
	int i, n, rc = 0;

	n = scandir(dir, &entries, NULL, alphasort);
	if (n < 0) {
		LOGE("ldpath %s: can't read: %m", dir);
		return -errno;
	}
	for (i = 0; i < n; i++) {
		const char *name = entries[i]->d_name;

		if (!rc && name[0] != '.' && snprintf(path, sizeof path, "%s/%s", dir, name) < (int)sizeof path
		    && stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode) && depth < 8)
				rc = load_dir(set, path, depth + 1);
			else if (S_ISREG(st.st_mode) && ends_with_so(name))
				rc = api_so_load(set, path);
		}
		free(entries[i]);
	}
	free(entries);
	return rc;
}

int api_so_load_dirs(struct apiset *set, const char *dirs)
{
	char *copy = strdup(dirs), *dir, *save = NULL;
	int rc = copy ? 0 : -ENOMEM;

	for (dir = copy ? strtok_r(copy, ":", &save) : NULL; dir && !rc; dir = strtok_r(NULL, ":", &save))
		rc = load_dir(set, dir, 0);
	free(copy);
	return rc;
}

void api_so_cleanup(void)
{
	api_so_v1_cleanup();
	api_so_v3_cleanup();
	calls_cleanup();
	host_cleanup();
}
