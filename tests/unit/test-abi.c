/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The binary interface of <afb/afb-binding.h>: sizes, field offsets and
 * slot positions of every structure and interface table, against the
 * layouts of the AGL binders (2017 and 2021) on LP64. Bindings built
 * with either the AGL headers or ours depend on them: they are checked
 * at compile time (the file does not build if one moves) and counted at
 * run time.
 */
#define AFB_BINDING_VERSION 0
#include <stddef.h>
#include <string.h>
#include <afb/afb-binding.h>
#include "unit.h"

#define P (sizeof(void*))
#define SLOT(type, field, n) \
	_Static_assert(offsetof(struct type, field) == (n) * P, #type "." #field " is not slot " #n)
#define AT(type, field, off) \
	_Static_assert(offsetof(struct type, field) == (off), #type "." #field " is not at " #off)
#define SIZE(type, n) \
	_Static_assert(sizeof(struct type) == (n), "sizeof " #type " is not " #n)

_Static_assert(sizeof(void*) == 8, "these layouts are those of LP64");

/* ---- shared (2.3, 2.4) ---- */
SIZE(afb_arg, 24);
AT(afb_arg, name, 0); AT(afb_arg, value, 8); AT(afb_arg, path, 16);
SIZE(afb_auth, 24);
AT(afb_auth, type, 0); AT(afb_auth, text, 8); AT(afb_auth, loa, 8); AT(afb_auth, first, 8); AT(afb_auth, next, 16);
_Static_assert(afb_auth_No == 0 && afb_auth_Token == 1 && afb_auth_LOA == 2 && afb_auth_Permission == 3
	       && afb_auth_Or == 4 && afb_auth_And == 5 && afb_auth_Not == 6 && afb_auth_Yes == 7, "auth types");
_Static_assert(AFB_SESSION_NONE_X2 == 0 && AFB_SESSION_LOA_MASK_X2 == 3 && AFB_SESSION_CHECK_X2 == 4
	       && AFB_SESSION_REFRESH_X2 == 8 && AFB_SESSION_CLOSE_X2 == 16, "x2 session flags");
_Static_assert(AFB_SYSLOG_LEVEL_ERROR == 3 && AFB_SYSLOG_LEVEL_DEBUG == 7 && AFB_VERBOSITY_LEVEL_DEBUG == 4,
	       "levels");

/* ---- v1 (the 2017 tables; slot 20 of the request table is this daemon's) ---- */
SLOT(afb_req_itf, json, 0); SLOT(afb_req_itf, get, 1); SLOT(afb_req_itf, success, 2);
SLOT(afb_req_itf, fail, 3); SLOT(afb_req_itf, vsuccess, 4); SLOT(afb_req_itf, vfail, 5);
SLOT(afb_req_itf, context_get, 6); SLOT(afb_req_itf, context_set, 7); SLOT(afb_req_itf, addref, 8);
SLOT(afb_req_itf, unref, 9); SLOT(afb_req_itf, session_close, 10); SLOT(afb_req_itf, session_set_LOA, 11);
SLOT(afb_req_itf, subscribe, 12); SLOT(afb_req_itf, unsubscribe, 13); SLOT(afb_req_itf, subcall, 14);
SLOT(afb_req_itf, subcallsync, 15); SLOT(afb_req_itf, vverbose, 16); SLOT(afb_req_itf, store, 17);
SLOT(afb_req_itf, subcall_req, 18); SLOT(afb_req_itf, has_permission, 19);
SLOT(afb_req_itf, context_make, 20);
SIZE(afb_req_itf, 21 * 8);
SIZE(afb_req, 16);
SLOT(afb_event_itf, broadcast, 0); SLOT(afb_event_itf, push, 1); SLOT(afb_event_itf, drop, 2);
SLOT(afb_event_itf, name, 3); SIZE(afb_event_itf, 4 * 8); SIZE(afb_event, 16);
SLOT(afb_daemon_itf, event_broadcast, 0); SLOT(afb_daemon_itf, get_event_loop, 1);
SLOT(afb_daemon_itf, get_user_bus, 2); SLOT(afb_daemon_itf, get_system_bus, 3);
SLOT(afb_daemon_itf, vverbose_v1, 4); SLOT(afb_daemon_itf, event_make, 5);
SLOT(afb_daemon_itf, rootdir_get_fd, 6); SLOT(afb_daemon_itf, rootdir_open_locale, 7);
SLOT(afb_daemon_itf, queue_job, 8); SLOT(afb_daemon_itf, vverbose_v2, 9); SLOT(afb_daemon_itf, unstore_req, 10);
SLOT(afb_daemon_itf, require_api, 11); SLOT(afb_daemon_itf, rename_api, 12); SIZE(afb_daemon_itf, 13 * 8);
SLOT(afb_service_itf, call, 0); SLOT(afb_service_itf, call_sync, 1); SIZE(afb_service_itf, 2 * 8);
AT(afb_binding_interface_v1, daemon, 0); AT(afb_binding_interface_v1, verbosity, 16);
AT(afb_binding_interface_v1, mode, 20);
AT(afb_verb_desc_v1, name, 0); AT(afb_verb_desc_v1, session, 8); AT(afb_verb_desc_v1, callback, 16);
AT(afb_verb_desc_v1, info, 24); SIZE(afb_verb_desc_v1, 32);
AT(afb_binding_v1, type, 0); AT(afb_binding_v1, v1.info, 8); AT(afb_binding_v1, v1.prefix, 16);
AT(afb_binding_v1, v1.verbs, 24);
_Static_assert(AFB_BINDING_VERSION_1 == 123456789, "v1 type");
_Static_assert(AFB_SESSION_CLOSE == 2 && AFB_SESSION_RENEW == 4 && AFB_SESSION_CHECK == 8
	       && AFB_SESSION_LOA_GE == 16 && AFB_SESSION_LOA_LE == 32 && AFB_SESSION_LOA_EQ == 48
	       && AFB_SESSION_LOA_SHIFT == 6 && AFB_SESSION_LOA_3 == 192, "v1 session flags");

/* ---- the request table of v2 and v3 (4.4) ---- */
SLOT(afb_req_x2_itf, json, 0); SLOT(afb_req_x2_itf, get, 1); SLOT(afb_req_x2_itf, legacy_success, 2);
SLOT(afb_req_x2_itf, legacy_fail, 3); SLOT(afb_req_x2_itf, legacy_vsuccess, 4);
SLOT(afb_req_x2_itf, legacy_vfail, 5); SLOT(afb_req_x2_itf, legacy_context_get, 6);
SLOT(afb_req_x2_itf, legacy_context_set, 7); SLOT(afb_req_x2_itf, addref, 8); SLOT(afb_req_x2_itf, unref, 9);
SLOT(afb_req_x2_itf, session_close, 10); SLOT(afb_req_x2_itf, session_set_LOA, 11);
SLOT(afb_req_x2_itf, legacy_subscribe_event_x1, 12); SLOT(afb_req_x2_itf, legacy_unsubscribe_event_x1, 13);
SLOT(afb_req_x2_itf, legacy_subcall, 14); SLOT(afb_req_x2_itf, legacy_subcallsync, 15);
SLOT(afb_req_x2_itf, vverbose, 16); SLOT(afb_req_x2_itf, legacy_store_req, 17);
SLOT(afb_req_x2_itf, legacy_subcall_req, 18); SLOT(afb_req_x2_itf, has_permission, 19);
SLOT(afb_req_x2_itf, get_application_id, 20); SLOT(afb_req_x2_itf, context_make, 21);
SLOT(afb_req_x2_itf, subscribe_event_x2, 22); SLOT(afb_req_x2_itf, unsubscribe_event_x2, 23);
SLOT(afb_req_x2_itf, legacy_subcall_request, 24); SLOT(afb_req_x2_itf, get_uid, 25);
SLOT(afb_req_x2_itf, reply, 26); SLOT(afb_req_x2_itf, vreply, 27); SLOT(afb_req_x2_itf, get_client_info, 28);
SLOT(afb_req_x2_itf, subcall, 29); SLOT(afb_req_x2_itf, subcallsync, 30); SIZE(afb_req_x2_itf, 31 * 8);
SIZE(afb_req_x1, 16); AT(afb_req_x1, itf, 0); AT(afb_req_x1, closure, 8);
SIZE(afb_req_x2, 40); AT(afb_req_x2, itf, 0); AT(afb_req_x2, api, 8); AT(afb_req_x2, vcbdata, 16);
AT(afb_req_x2, called_api, 24); AT(afb_req_x2, called_verb, 32);
_Static_assert(afb_req_x2_subcall_catch_events == 1 && afb_req_x2_subcall_pass_events == 2
	       && afb_req_x2_subcall_on_behalf == 4 && afb_req_x2_subcall_api_session == 8, "subcall flags");

/* ---- events of v2 and v3 (4.8, 5.6) ---- */
SLOT(afb_event_x2_itf, broadcast, 0); SLOT(afb_event_x2_itf, push, 1); SLOT(afb_event_x2_itf, unref, 2);
SLOT(afb_event_x2_itf, name, 3); SLOT(afb_event_x2_itf, addref, 4); SIZE(afb_event_x2_itf, 5 * 8);
SIZE(afb_event_x2, 8); SIZE(afb_event_x1, 16); AT(afb_event_x1, closure, 8);

/* ---- v2 daemon and service (4.6, 4.7), descriptors (4.2) ---- */
SLOT(afb_daemon_itf_x1, event_broadcast, 0); SLOT(afb_daemon_itf_x1, get_event_loop, 1);
SLOT(afb_daemon_itf_x1, get_user_bus, 2); SLOT(afb_daemon_itf_x1, get_system_bus, 3);
SLOT(afb_daemon_itf_x1, vverbose_v1, 4); SLOT(afb_daemon_itf_x1, event_make, 5);
SLOT(afb_daemon_itf_x1, rootdir_get_fd, 6); SLOT(afb_daemon_itf_x1, rootdir_open_locale, 7);
SLOT(afb_daemon_itf_x1, queue_job, 8); SLOT(afb_daemon_itf_x1, vverbose_v2, 9);
SLOT(afb_daemon_itf_x1, unstore_req, 10); SLOT(afb_daemon_itf_x1, require_api, 11);
SLOT(afb_daemon_itf_x1, add_alias, 12); SLOT(afb_daemon_itf_x1, new_api, 13); SIZE(afb_daemon_itf_x1, 14 * 8);
SLOT(afb_service_itf_x1, call, 0); SLOT(afb_service_itf_x1, call_sync, 1); SIZE(afb_service_itf_x1, 2 * 8);
SIZE(afb_daemon_x1, 16); SIZE(afb_service_x1, 16);
SIZE(afb_verb_v2, 40); AT(afb_verb_v2, verb, 0); AT(afb_verb_v2, callback, 8); AT(afb_verb_v2, auth, 16);
AT(afb_verb_v2, info, 24); AT(afb_verb_v2, session, 32);
SIZE(afb_binding_v2, 64); AT(afb_binding_v2, api, 0); AT(afb_binding_v2, specification, 8);
AT(afb_binding_v2, info, 16); AT(afb_binding_v2, verbs, 24); AT(afb_binding_v2, preinit, 32);
AT(afb_binding_v2, init, 40); AT(afb_binding_v2, onevent, 48);
SIZE(afb_binding_data_v2, 40); AT(afb_binding_data_v2, verbosity, 0); AT(afb_binding_data_v2, daemon, 8);
AT(afb_binding_data_v2, service, 24);

/* ---- v3 (5.2, 5.3) ---- */
SIZE(afb_api_x3, 32); AT(afb_api_x3, itf, 0); AT(afb_api_x3, apiname, 8); AT(afb_api_x3, userdata, 16);
AT(afb_api_x3, logmask, 24);
SLOT(afb_api_x3_itf, vverbose, 0); SLOT(afb_api_x3_itf, get_event_loop, 1); SLOT(afb_api_x3_itf, get_user_bus, 2);
SLOT(afb_api_x3_itf, get_system_bus, 3); SLOT(afb_api_x3_itf, rootdir_get_fd, 4);
SLOT(afb_api_x3_itf, rootdir_open_locale, 5); SLOT(afb_api_x3_itf, queue_job, 6);
SLOT(afb_api_x3_itf, require_api, 7); SLOT(afb_api_x3_itf, add_alias, 8); SLOT(afb_api_x3_itf, event_broadcast, 9);
SLOT(afb_api_x3_itf, event_make, 10); SLOT(afb_api_x3_itf, legacy_call, 11);
SLOT(afb_api_x3_itf, legacy_call_sync, 12); SLOT(afb_api_x3_itf, api_new_api, 13);
SLOT(afb_api_x3_itf, api_set_verbs_v2, 14); SLOT(afb_api_x3_itf, api_add_verb, 15);
SLOT(afb_api_x3_itf, api_del_verb, 16); SLOT(afb_api_x3_itf, api_set_on_event, 17);
SLOT(afb_api_x3_itf, api_set_on_init, 18); SLOT(afb_api_x3_itf, api_seal, 19);
SLOT(afb_api_x3_itf, api_set_verbs_v3, 20); SLOT(afb_api_x3_itf, event_handler_add, 21);
SLOT(afb_api_x3_itf, event_handler_del, 22); SLOT(afb_api_x3_itf, call, 23); SLOT(afb_api_x3_itf, call_sync, 24);
SLOT(afb_api_x3_itf, class_provide, 25); SLOT(afb_api_x3_itf, class_require, 26);
SLOT(afb_api_x3_itf, delete_api, 27); SLOT(afb_api_x3_itf, settings, 28); SIZE(afb_api_x3_itf, 29 * 8);
SIZE(afb_verb_v3, 48); AT(afb_verb_v3, verb, 0); AT(afb_verb_v3, callback, 8); AT(afb_verb_v3, auth, 16);
AT(afb_verb_v3, info, 24); AT(afb_verb_v3, vcbdata, 32); AT(afb_verb_v3, session, 40);
_Static_assert(sizeof(((struct afb_verb_v3 *)0)->session) == 2, "afb_verb_v3.session is 16 bits");
SIZE(afb_binding_v3, 96); AT(afb_binding_v3, api, 0); AT(afb_binding_v3, specification, 8);
AT(afb_binding_v3, info, 16); AT(afb_binding_v3, verbs, 24); AT(afb_binding_v3, preinit, 32);
AT(afb_binding_v3, init, 40); AT(afb_binding_v3, onevent, 48); AT(afb_binding_v3, userdata, 56);
AT(afb_binding_v3, provide_class, 64); AT(afb_binding_v3, require_class, 72); AT(afb_binding_v3, require_api, 80);

/* bit-fields are bit 0 of their word: checked through the declaration's own layout */
static int bit0_of(const void *data, size_t offset, size_t size)
{
	unsigned char bytes[8] = { 0 };

	memcpy(bytes, (const char *)data + offset, size);
	return bytes[0] == 1 && !memcmp(bytes + 1, "\0\0\0\0\0\0\0", size - 1);
}

int main(void)
{
	struct afb_binding_v2 b2;
	struct afb_binding_v3 b3;
	struct afb_verb_v3 v3;

	memset(&b2, 0, sizeof b2);
	b2.noconcurrency = 1;
	CHECK(bit0_of(&b2, 56, 4));
	memset(&b3, 0, sizeof b3);
	b3.noconcurrency = 1;
	CHECK(bit0_of(&b3, 88, 4));
	memset(&v3, 0, sizeof v3);
	v3.glob = 1;
	CHECK(bit0_of(&v3, 42, 2));
	CHECK_INT(_afb_verbomask_to_upper_level_(0x1f), 4);
	CHECK_INT(_afb_verbomask_to_upper_level_(0xff), 7);
	CHECK_INT(_afb_verbomask_to_upper_level_(0), 0);
	CHECK_INT(AFB_SYSLOG_LEVEL_TO_VERBOSITY(AFB_SYSLOG_LEVEL_NOTICE), AFB_VERBOSITY_LEVEL_NOTICE);
	UNIT_END();
}
