/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The trust rule of the D-Bus bridge: which bus peers may use session
 * flags (the token check and the LOA of binding API v1).
 *
 * D-Bus carries no session token. A request from a trusted peer is
 * "validated" (as if it presented the right token); a request from any
 * other peer is not, so verbs declared with CHECK, LOA, RENEW or CLOSE
 * refuse it ("denied"). Verbs without session flags serve every peer that
 * the bus policy lets call.
 *
 * Trust is decided from the peer's credentials as the bus daemon knows
 * them (sd_bus_query_sender_creds: the uid and groups the bus recorded
 * when the peer connected), never from the message, and never from
 * values read from /proc (racy).
 *
 * A rule is a comma-separated list; a peer is trusted when one item matches:
 *   self        the uid of the daemon (default)
 *   root        uid 0 (default)
 *   uid:N       the uid N            user:NAME   the uid of NAME
 *   gid:N       a peer in group N    group:NAME  a peer in group NAME
 *               (the groups are those the bus daemon reports, UnixGroupIDs
 *               of GetConnectionCredentials: the peer's supplementary groups)
 *   any         every peer           none        no peer (alone)
 * The default rule is "self,root". It is given per exported api:
 *   --dbus-server='system:hello?trust=self,group:afb'
 */
#pragma once

#include <sys/types.h>

struct dbus_trust;

/* What is known of a peer; has_* are 0 when the bus did not tell. */
struct dbus_creds {
	int has_uid;
	uid_t uid;
	int has_gids;
	int ngids;
	gid_t gids[64];		/* primary and supplementary groups */
};

/* Parses 'text' (see above). Returns 0 or -EINVAL (unknown item, user or group), -ENOMEM. */
int dbus_trust_parse(const char *text, struct dbus_trust **out);
void dbus_trust_free(struct dbus_trust *trust);

/* 1 when 'trust' has group items: the peer's groups must be known. */
int dbus_trust_needs_groups(const struct dbus_trust *trust);

/* 1 when 'creds' are trusted by 'trust' (NULL: the default rule), else 0. */
int dbus_trust_check(const struct dbus_trust *trust, const struct dbus_creds *creds);
