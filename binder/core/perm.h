/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The permission checker: is a permission granted to the client of a
 * request? It decides the afb_auth_Permission nodes of verbs' auth trees
 * and afb_req_has_permission, for bindings of every version and clients
 * of every transport, and the checks of the daemon's own apis (monitor).
 *
 * The rules (--permissions FILE; the format is in docs/running.md):
 *
 *     # PATTERN          WHO...
 *     urn:AGL:permission:monitor:public:*   any
 *     urn:AGL:permission:*:partner:*        uid=1001 gid=partners
 *     hello:admin                           uid=root loa>=2
 *
 * PATTERN is a permission in which '*' matches any run of characters
 * (even empty, ':' included) and every other character stands for
 * itself ('?', '[' and '\' too: starmatch.h), compared with case. A permission is granted when at least one rule
 * whose pattern matches it names the client:
 *   any          every client, credentials known or not (TCP clients);
 *   uid=U        a client whose uid, from the kernel (SO_PEERCRED) or the
 *                bus, is U (a number or a user name);
 *   gid=G        the same with its gid (the process's group);
 *   label=L      the same with its security label (SMACK, SELinux...);
 *   loa>=N       a request whose session has, for the api serving it, a
 *                level of assurance of N or more (any transport).
 * Without a rules file, every non-empty permission is granted, with one
 * warning per permission (what the AGL binders built without Cynara did);
 * with one, what no rule grants is denied. The daemon's own calls (the
 * internal peer: service and api calls, --call) are always granted.
 *
 * Threading: perm_load at start (main thread); checks from any thread.
 */
#pragma once

struct xreq;
struct peer;

/*
 * Loads the rules of 'path' (replacing any). On a bad line, logs
 * "FILE:LINE: reason" and returns -EINVAL (nothing is loaded); -errno when
 * the file cannot be read.
 */
int perm_load(const char *path);

/* Forgets the rules: back to granting by default. */
void perm_unload(void);

/* 1 when rules were loaded. */
int perm_has_rules(void);

/* 1 when 'permission' is granted to the client of 'xreq', else 0 (NULL or "" is never granted). */
int perm_check(struct xreq *xreq, const char *permission);

/*
 * The same for a client 'peer' (NULL: the daemon itself) whose level of
 * assurance is 'loa' (the session's LOA for the api that asks).
 */
int perm_check_peer(const struct peer *peer, unsigned loa, const char *permission);
