/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the permission checker (core/perm.h): the rules file
 * (patterns, any, uid=, gid= with the groups, label=, loa>=, user and
 * group names), the refusals of bad files naming the line, the default
 * without rules, and the daemon's own calls; the pattern grammar ('*'
 * is the only wildcard: core/starmatch.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "peer.h"
#include "perm.h"
#include "starmatch.h"
#include "unit.h"

static char dir[] = "/tmp/unit-perm-XXXXXX";

static const char *write_rules(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		fprintf(stderr, "can't write %s\n", path), exit(1);
	return path;
}

static struct peer *client(int known, uid_t uid, gid_t gid, const char *label, gid_t group)
{
	struct peer *p = peer_new(PEER_PROTO_WS, "unix", NULL);
	struct peer_creds c;

	memset(&c, 0, sizeof c);
	c.known = known;
	c.uid = uid;
	c.gid = gid;
	c.pid = 42;
	snprintf(c.label, sizeof c.label, "%s", label);
	c.ngroups = 1;
	c.groups[0] = group;
	CHECK_INT(peer_set_creds(p, &c), 0);
	return p;
}

static void test_default(void)
{
	struct peer *tcp = peer_new(PEER_HTTP, "127.0.0.1:4242", "127.0.0.1");

	CHECK_INT(perm_has_rules(), 0);
	/* without rules: every non-empty permission is granted (with a warning) */
	CHECK_INT(perm_check_peer(tcp, 0, "hello:any"), 1);
	CHECK_INT(perm_check_peer(tcp, 0, "hello:any"), 1);
	CHECK_INT(perm_check_peer(tcp, 0, ""), 0);
	CHECK_INT(perm_check_peer(tcp, 0, NULL), 0);
	peer_unref(tcp);
}

static void test_rules(void)
{
	const char *path = write_rules("rules",
		"# comment line\n"
		"\n"
		"urn:AGL:permission:monitor:public:*   any   # trailing comment\n"
		"app:uid:*       uid=1001\n"
		"app:root        uid=root\n"
		"app:group       gid=2002\n"
		"app:rootgroup   gid=root\n"
		"app:label       label=User::App::demo\n"
		"app:loa         loa>=2\n"
		"app:either      uid=1001 loa>=1\n");
	struct peer *tcp = peer_new(PEER_HTTP, "127.0.0.1:4242", "127.0.0.1");
	struct peer *u1001 = client(1, 1001, 100, "User::App::demo", 2002);
	struct peer *u0 = client(1, 0, 0, "", 0);
	struct peer *unknown = client(0, 1001, 2002, "User::App::demo", 2002);

	CHECK_INT(perm_load(path), 0);
	CHECK_INT(perm_has_rules(), 1);

	/* any: every client, with credentials or not */
	CHECK_INT(perm_check_peer(tcp, 0, "urn:AGL:permission:monitor:public:get"), 1);
	CHECK_INT(perm_check_peer(u1001, 0, "urn:AGL:permission:monitor:public:set"), 1);
	/* a pattern matches whole, with case */
	CHECK_INT(perm_check_peer(tcp, 0, "urn:AGL:permission:monitor:PUBLIC:get"), 0);
	CHECK_INT(perm_check_peer(tcp, 0, "x-urn:AGL:permission:monitor:public:get"), 0);
	/* what no rule names is denied */
	CHECK_INT(perm_check_peer(u1001, 7, "app:nothing"), 0);

	/* uid=, by number and by name */
	CHECK_INT(perm_check_peer(u1001, 0, "app:uid:read"), 1);
	CHECK_INT(perm_check_peer(u0, 0, "app:uid:read"), 0);
	CHECK_INT(perm_check_peer(u0, 0, "app:root"), 1);
	CHECK_INT(perm_check_peer(u1001, 0, "app:root"), 0);
	/* credentials not known: no uid, gid nor label rule names the client */
	CHECK_INT(perm_check_peer(unknown, 0, "app:uid:read"), 0);
	CHECK_INT(perm_check_peer(unknown, 0, "app:group"), 0);
	CHECK_INT(perm_check_peer(unknown, 0, "app:label"), 0);
	CHECK_INT(perm_check_peer(tcp, 0, "app:uid:read"), 0);

	/* gid=: the process's group or one of its groups; by name */
	CHECK_INT(perm_check_peer(u1001, 0, "app:group"), 1);
	CHECK_INT(perm_check_peer(u0, 0, "app:group"), 0);
	CHECK_INT(perm_check_peer(u0, 0, "app:rootgroup"), 1);

	/* label=: exact */
	CHECK_INT(perm_check_peer(u1001, 0, "app:label"), 1);
	CHECK_INT(perm_check_peer(u0, 0, "app:label"), 0);

	/* loa>=: any transport */
	CHECK_INT(perm_check_peer(tcp, 1, "app:loa"), 0);
	CHECK_INT(perm_check_peer(tcp, 2, "app:loa"), 1);
	CHECK_INT(perm_check_peer(tcp, 3, "app:loa"), 1);

	/* several WHO: one is enough */
	CHECK_INT(perm_check_peer(u1001, 0, "app:either"), 1);
	CHECK_INT(perm_check_peer(tcp, 0, "app:either"), 0);
	CHECK_INT(perm_check_peer(tcp, 1, "app:either"), 1);

	/* the daemon's own calls are always granted; empty permissions never */
	CHECK_INT(perm_check_peer(NULL, 0, "app:nothing"), 1);
	CHECK_INT(perm_check_peer(peer_internal(), 0, "app:nothing"), 1);
	CHECK_INT(perm_check_peer(u0, 7, ""), 0);

	peer_unref(tcp);
	peer_unref(u1001);
	peer_unref(u0);
	peer_unref(unknown);
}

/* '*' is the only wildcard; '?', '[', ']' and '\\' stand for themselves */
static void test_patterns(void)
{
	const char *path = write_rules("patterns",
		"urn:AGL:permission:*:public:*   any\n"
		"app:[a]                         any\n"
		"app:one?                        any\n"
		"app:back\\slash                 any\n"
		"app:*:*:end                     any\n"
		"app:star*                       any\n");
	struct peer *tcp = peer_new(PEER_HTTP, "127.0.0.1:4242", "127.0.0.1");

	CHECK_INT(perm_load(path), 0);
	/* '*' matches any run, ':' included, or nothing */
	CHECK_INT(perm_check_peer(tcp, 0, "urn:AGL:permission:monitor:public:get"), 1);
	CHECK_INT(perm_check_peer(tcp, 0, "urn:AGL:permission:a:b:public:get:x"), 1);
	CHECK_INT(perm_check_peer(tcp, 0, "urn:AGL:permission::public:"), 1);
	CHECK_INT(perm_check_peer(tcp, 0, "urn:AGL:permission:monitor:private:get"), 0);
	CHECK_INT(perm_check_peer(tcp, 0, "app:star"), 1);
	CHECK_INT(perm_check_peer(tcp, 0, "app:starry:night"), 1);
	CHECK_INT(perm_check_peer(tcp, 0, "app:x:y:end"), 1);
	CHECK_INT(perm_check_peer(tcp, 0, "app:x:y:end:no"), 0);
	CHECK_INT(perm_check_peer(tcp, 0, "app:xy:end"), 0);
	/* brackets are no set, '?' no single character, '\\' no escape */
	CHECK_INT(perm_check_peer(tcp, 0, "app:[a]"), 1);
	CHECK_INT(perm_check_peer(tcp, 0, "app:a"), 0);
	CHECK_INT(perm_check_peer(tcp, 0, "app:one?"), 1);
	CHECK_INT(perm_check_peer(tcp, 0, "app:oneX"), 0);
	CHECK_INT(perm_check_peer(tcp, 0, "app:back\\slash"), 1);
	CHECK_INT(perm_check_peer(tcp, 0, "app:backslash"), 0);
	peer_unref(tcp);

	/* the matcher itself: whole texts, the last star backtracks, case */
	CHECK_INT(starmatch("", ""), 1);
	CHECK_INT(starmatch("*", ""), 1);
	CHECK_INT(starmatch("", "a"), 0);
	CHECK_INT(starmatch("a*b*c", "aXbYc"), 1);
	CHECK_INT(starmatch("a*b*c", "abcbc"), 1);
	CHECK_INT(starmatch("a*b*c", "abcb"), 0);
	CHECK_INT(starmatch("*aab", "aaaab"), 1);
	CHECK_INT(starmatch("**x**", "yyxyy"), 1);
	CHECK_INT(starmatch("Ab*", "ab"), 0);
	CHECK_INT(starmatch_casefold("Ab*", "aBc"), 1);
	CHECK_INT(starmatch_casefold("a?", "A?"), 1);
	CHECK_INT(starmatch_casefold("a?", "ab"), 0);
	/* no exponential backtracking: many stars against a long mismatch */
	CHECK_INT(starmatch("*a*a*a*a*a*a*a*a*a*a*b",
			    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 0);
}

static void test_bad_files(void)
{
	struct peer *tcp = peer_new(PEER_HTTP, "127.0.0.1:4242", "127.0.0.1");
	static const char *const bad[] = {
		"ok any\nalone\n",
		"ok any\nx uid=no-such-user-here\n",
		"x gid=no-such-group-here\n",
		"x label=\n",
		"x loa>=8\n",
		"x loa>=two\n",
		"x everyone\n",
	};
	char path[256];

	CHECK_INT(perm_load(write_rules("good", "only:this any\n")), 0);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK_INT(perm_load(write_rules("bad", bad[i])), -EINVAL);
	/* a bad file changes nothing: the rules before stay */
	CHECK_INT(perm_check_peer(tcp, 0, "only:this"), 1);
	CHECK_INT(perm_check_peer(tcp, 0, "ok"), 0);
	snprintf(path, sizeof path, "%s/missing", dir);
	CHECK_INT(perm_load(path), -ENOENT);
	CHECK_INT(perm_has_rules(), 1);

	/* back to the default */
	perm_unload();
	CHECK_INT(perm_has_rules(), 0);
	CHECK_INT(perm_check_peer(tcp, 0, "ok"), 1);
	peer_unref(tcp);
}

int main(void)
{
	char path[256];

	if (!mkdtemp(dir))
		return perror("mkdtemp"), 1;
	test_default();
	test_rules();
	test_patterns();
	test_bad_files();
	perm_unload();
	for (const char *const *n = (const char *const[]){ "rules", "patterns", "good", "bad", NULL }; *n; n++) {
		snprintf(path, sizeof path, "%s/%s", dir, *n);
		unlink(path);
	}
	rmdir(dir);
	CHECK_INT(peer_live_count(), 0);
	UNIT_END();
}
