/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dbus-trust.h"

enum kind { K_SELF, K_UID, K_GID, K_ANY };

struct item {
	enum kind kind;
	unsigned long id;
};

struct dbus_trust {
	int count;
	struct item items[];
};

static int parse_id(const char *text, unsigned long *id)
{
	char *end;

	if (!*text || *text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	*id = strtoul(text, &end, 10);
	return errno || *end || *id > 0xfffffffeUL ? -EINVAL : 0;
}

static int parse_item(const char *text, struct item *item)
{
	struct passwd *pw;
	struct group *gr;

	if (!strcmp(text, "self")) {
		item->kind = K_SELF;
	} else if (!strcmp(text, "root")) {
		item->kind = K_UID;
		item->id = 0;
	} else if (!strcmp(text, "any")) {
		item->kind = K_ANY;
	} else if (!strncmp(text, "uid:", 4)) {
		item->kind = K_UID;
		return parse_id(text + 4, &item->id);
	} else if (!strncmp(text, "gid:", 4)) {
		item->kind = K_GID;
		return parse_id(text + 4, &item->id);
	} else if (!strncmp(text, "user:", 5)) {
		/* resolved once, at start: a later change of /etc/passwd needs a restart */
		pw = getpwnam(text + 5);
		if (!pw)
			return -EINVAL;
		item->kind = K_UID;
		item->id = pw->pw_uid;
	} else if (!strncmp(text, "group:", 6)) {
		gr = getgrnam(text + 6);
		if (!gr)
			return -EINVAL;
		item->kind = K_GID;
		item->id = gr->gr_gid;
	} else {
		return -EINVAL;
	}
	return 0;
}

int dbus_trust_parse(const char *text, struct dbus_trust **out)
{
	struct dbus_trust *t;
	char *copy, *tok, *save = NULL;
	size_t n = 1;
	const char *p;
	int rc = 0;

	*out = NULL;
	for (p = text; *p; p++)
		n += *p == ',';
	t = calloc(1, sizeof *t + n * sizeof t->items[0]);
	copy = strdup(text);
	if (!t || !copy) {
		free(t);
		free(copy);
		return -ENOMEM;
	}
	if (!strcmp(text, "none")) {
		free(copy);
		*out = t;	/* no item: nobody */
		return 0;
	}
	for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save))
		rc = parse_item(tok, &t->items[t->count++]);
	free(copy);
	if (!rc && !t->count)
		rc = -EINVAL;
	if (rc < 0) {
		free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void dbus_trust_free(struct dbus_trust *trust)
{
	free(trust);
}

/* the daemon's uid: a syscall per request is measurable, so it is asked once */
static pthread_once_t self_once = PTHREAD_ONCE_INIT;
static uid_t self;

static void get_self(void)
{
	self = geteuid();
}

static int match(const struct item *item, const struct dbus_creds *c)
{
	int i;

	switch (item->kind) {
	case K_ANY:
		return 1;
	case K_SELF:
		pthread_once(&self_once, get_self);
		return c->has_uid && c->uid == self;
	case K_UID:
		return c->has_uid && c->uid == (uid_t)item->id;
	case K_GID:
		for (i = 0; c->has_gids && i < c->ngids; i++)
			if (c->gids[i] == (gid_t)item->id)
				return 1;
		return 0;
	}
	return 0;
}

int dbus_trust_needs_groups(const struct dbus_trust *trust)
{
	int i;

	for (i = 0; trust && i < trust->count; i++)
		if (trust->items[i].kind == K_GID)
			return 1;
	return 0;
}

int dbus_trust_check(const struct dbus_trust *trust, const struct dbus_creds *creds)
{
	static const struct item defaults[] = { { K_SELF, 0 }, { K_UID, 0 } };
	const struct item *items = trust ? trust->items : defaults;
	int i, count = trust ? trust->count : 2;

	for (i = 0; i < count; i++)
		if (match(&items[i], creds))
			return 1;
	return 0;
}
