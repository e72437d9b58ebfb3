/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The permission checker (perm.h).
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "peer.h"
#include "perm.h"
#include "session.h"
#include "starmatch.h"
#include "verbose.h"
#include "xreq.h"

enum who_kind { WHO_ANY, WHO_UID, WHO_GID, WHO_LABEL, WHO_LOA };

struct who {
	enum who_kind kind;
	unsigned number;	/* uid, gid, loa */
	char *label;
};

struct rule {
	struct rule *next;
	char *pattern;
	int nwho;
	struct who who[];
};

/* the rules: replaced as a whole, read under the lock */
static pthread_rwlock_t rules_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct rule *rules;
static int loaded;

/* permissions granted by default, warned once each (bounded: clients may name them) */
#define MAX_WARNED 512
static pthread_mutex_t warned_lock = PTHREAD_MUTEX_INITIALIZER;
static char *warned[MAX_WARNED];
static int nwarned;

static void rules_free(struct rule *r)
{
	struct rule *next;
	int i;

	for (; r; r = next) {
		next = r->next;
		for (i = 0; i < r->nwho; i++)
			free(r->who[i].label);
		free(r->pattern);
		free(r);
	}
}

/* ---- parsing ---- */

static int parse_number(const char *text, unsigned *number)
{
	char *end;
	unsigned long n;

	if (!isdigit((unsigned char)*text))
		return -1;
	errno = 0;
	n = strtoul(text, &end, 10);
	if (errno || *end || n > 0x7fffffffUL)
		return -1;
	*number = (unsigned)n;
	return 0;
}

/* Parses one WHO word. Returns NULL or the reason it is wrong. */
static const char *parse_who(const char *word, struct who *who)
{
	struct passwd pw, *pwr = NULL;
	struct group gr, *grr = NULL;
	char buf[4096];

	memset(who, 0, sizeof *who);
	if (!strcmp(word, "any")) {
		who->kind = WHO_ANY;
	} else if (!strncmp(word, "uid=", 4)) {
		who->kind = WHO_UID;
		if (parse_number(word + 4, &who->number) < 0) {
			if (getpwnam_r(word + 4, &pw, buf, sizeof buf, &pwr) || !pwr)
				return "unknown user";
			who->number = (unsigned)pwr->pw_uid;
		}
	} else if (!strncmp(word, "gid=", 4)) {
		who->kind = WHO_GID;
		if (parse_number(word + 4, &who->number) < 0) {
			if (getgrnam_r(word + 4, &gr, buf, sizeof buf, &grr) || !grr)
				return "unknown group";
			who->number = (unsigned)grr->gr_gid;
		}
	} else if (!strncmp(word, "label=", 6)) {
		who->kind = WHO_LABEL;
		if (!word[6])
			return "empty label";
		who->label = strdup(word + 6);
		if (!who->label)
			return "out of memory";
	} else if (!strncmp(word, "loa>=", 5)) {
		who->kind = WHO_LOA;
		if (parse_number(word + 5, &who->number) < 0 || who->number > 7)
			return "the LOA is a number from 0 to 7";
	} else {
		return "expected any, uid=, gid=, label= or loa>=";
	}
	return NULL;
}

/* Parses a line (modified). Returns NULL (*rule set, NULL for an empty line) or the reason. */
static const char *parse_line(char *line, struct rule **rule)
{
	char *words[64], *save = NULL, *w;
	const char *why;
	struct rule *r;
	int n = 0, i;

	*rule = NULL;
	w = strchr(line, '#');
	if (w)
		*w = 0;
	for (w = strtok_r(line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == (int)(sizeof words / sizeof *words))
			return "too many words";
		words[n++] = w;
	}
	if (n == 0)
		return NULL;
	if (n == 1)
		return "a permission pattern needs at least one of any, uid=, gid=, label=, loa>=";
	r = calloc(1, sizeof *r + sizeof *r->who * (size_t)(n - 1));
	if (!r || !(r->pattern = strdup(words[0]))) {
		free(r);
		return "out of memory";
	}
	for (i = 1; i < n; i++) {
		why = parse_who(words[i], &r->who[r->nwho]);
		if (why) {
			rules_free(r);
			return why;
		}
		r->nwho++;
	}
	*rule = r;
	return NULL;
}

int perm_load(const char *path)
{
	struct rule *head = NULL, **tail = &head, *r, *old;
	char *line = NULL;
	size_t size = 0;
	const char *why;
	int lineno = 0, count = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		LOGE("--permissions %s: can't read: %m", path);
		return -errno;
	}
	while (getline(&line, &size, f) >= 0) {
		lineno++;
		why = parse_line(line, &r);
		if (why) {
			LOGE("--permissions %s:%d: %s", path, lineno, why);
			free(line);
			fclose(f);
			rules_free(head);
			return -EINVAL;
		}
		if (r) {
			*tail = r;
			tail = &r->next;
			count++;
		}
	}
	free(line);
	fclose(f);
	pthread_rwlock_wrlock(&rules_lock);
	old = rules;
	rules = head;
	loaded = 1;
	pthread_rwlock_unlock(&rules_lock);
	rules_free(old);
	LOGN("permissions: %d rule(s) from %s; what they do not grant is denied", count, path);
	return 0;
}

void perm_unload(void)
{
	struct rule *old;
	int i;

	pthread_rwlock_wrlock(&rules_lock);
	old = rules;
	rules = NULL;
	loaded = 0;
	pthread_rwlock_unlock(&rules_lock);
	rules_free(old);
	pthread_mutex_lock(&warned_lock);
	for (i = 0; i < nwarned; i++)
		free(warned[i]);
	nwarned = 0;
	pthread_mutex_unlock(&warned_lock);
}

int perm_has_rules(void)
{
	int r;

	pthread_rwlock_rdlock(&rules_lock);
	r = loaded;
	pthread_rwlock_unlock(&rules_lock);
	return r;
}

/* ---- checking ---- */

static int who_matches(const struct who *who, const struct peer *peer, unsigned loa)
{
	const struct peer_creds *creds = peer->creds;

	switch (who->kind) {
	case WHO_ANY:
		return 1;
	case WHO_LOA:
		return loa >= who->number;
	case WHO_UID:
		return creds->known && (unsigned)creds->uid == who->number;
	case WHO_GID:
		if (!creds->known)
			return 0;
		if ((unsigned)creds->gid == who->number)
			return 1;
		for (int i = 0; i < creds->ngroups; i++)
			if ((unsigned)creds->groups[i] == who->number)
				return 1;
		return 0;
	case WHO_LABEL:
		return creds->known && !strcmp(creds->label, who->label);
	}
	return 0;
}

static void warn_default(const char *permission)
{
	int i;

	pthread_mutex_lock(&warned_lock);
	for (i = 0; i < nwarned && strcmp(warned[i], permission); i++);
	if (i == nwarned && nwarned < MAX_WARNED && (warned[nwarned] = strdup(permission))) {
		nwarned++;
		LOGW("granting permission %s by default (no --permissions file)", permission);
	}
	pthread_mutex_unlock(&warned_lock);
}

int perm_check_peer(const struct peer *peer, unsigned loa, const char *permission)
{
	const struct rule *r;
	int i, granted = 0;

	if (!permission || !*permission)
		return 0;
	if (!peer || peer->kind == PEER_INTERNAL)
		return 1;	/* the daemon and its bindings' own calls */
	pthread_rwlock_rdlock(&rules_lock);
	if (!loaded) {
		pthread_rwlock_unlock(&rules_lock);
		warn_default(permission);
		return 1;
	}
	for (r = rules; r && !granted; r = r->next)
		if (starmatch(r->pattern, permission))
			for (i = 0; i < r->nwho && !granted; i++)
				granted = who_matches(&r->who[i], peer, loa);
	pthread_rwlock_unlock(&rules_lock);
	if (!granted)
		LOGI("permission %s denied to %s client %s", permission, peer_kind_name(peer->kind), peer->address);
	return granted;
}

int perm_check(struct xreq *x, const char *permission)
{
	struct session *s = x->api_key ? xreq_session(x, 0) : NULL;
	unsigned loa = s ? session_get_loa(s, x->api_key) : 0;

	return perm_check_peer(x->peer, loa, permission);
}
