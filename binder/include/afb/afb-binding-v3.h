/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Binding API version 3 (2018-2021): a binding exports at least one of
 *
 *	const struct afb_binding_v3 afbBindingV3 = { .api = "name", ... };
 *	int afbBindingV3entry(struct afb_api_x3 *rootapi);
 *
 * and the variable afbBindingV3root, which this header defines (weak) in
 * every translation unit compiled with AFB_BINDING_VERSION 3 (unless
 * AFB_BINDING_NO_ROOT): the daemon stores the root api there before it
 * calls any function of the binding (AFB_ERROR... and afb_daemon_*
 * use it).
 */
#pragma once

#include <stdint.h>
#include "afb-verbosity.h"
#include "afb-arg.h"
#include "afb-auth.h"
#include "afb-session-x2.h"
#include "afb-event-x2-itf.h"
#include "afb-req-x2-itf.h"
#include "afb-api-x3-itf.h"

struct json_object;

/* One verb (48 bytes). An entry with verb == NULL ends the array. */
struct afb_verb_v3 {
	const char *verb;				/* its name, or a pattern when 'glob' */
	void (*callback)(struct afb_req_x2 *req);	/* its implementation */
	const struct afb_auth *auth;			/* NULL or the authorisation required */
	const char *info;				/* NULL or a short description */
	void *vcbdata;					/* given to the verb as req->vcbdata */
	uint16_t session;				/* AFB_SESSION_* requirements */
	uint16_t glob: 1;				/* 'verb' is a pattern ('*', '?', [...]) */
};

/* The binding (96 bytes). */
struct afb_binding_v3 {
	const char *api;			/* the api name, mandatory */
	const char *specification;		/* NULL or its OpenAPI 3 description (JSON text) */
	const char *info;			/* NULL or a short description */
	const struct afb_verb_v3 *verbs;	/* NULL or the verbs */
	int (*preinit)(struct afb_api_x3 *api);	/* NULL, or called at load: < 0 fails the load */
	int (*init)(struct afb_api_x3 *api);	/* NULL, or called at start: < 0 fails the api */
	void (*onevent)(struct afb_api_x3 *api, const char *event, struct json_object *object);
	void *userdata;				/* the initial api->userdata */
	const char *provide_class;		/* space-separated classes provided */
	const char *require_class;		/* space-separated classes to start first */
	const char *require_api;		/* space-separated apis to start first */
	unsigned noconcurrency: 1;		/* one request at a time */
};

/* ------------------------------------------------------------------------ */
#if AFB_BINDING_VERSION == 3

#if !defined(AFB_BINDING_NO_ROOT)
/* a weak definition: every translation unit of the binding may have it */
__attribute__((weak)) struct afb_api_x3 *afbBindingV3root;
#endif
extern const struct afb_binding_v3 afbBindingV3;
extern int afbBindingV3entry(struct afb_api_x3 *rootapi);

#include "afb-req-x2.h"
#include "afb-event-x2.h"
#include "afb-api-x3.h"

/* the short names of the structures (struct afb_req * is struct afb_req_x2 *) */
#define afb_req				afb_req_x2
#define afb_event			afb_event_x2
#define afb_api				afb_api_x3
#define afb_stored_req			afb_req_x2

/* requests */
#define afb_req_is_valid		afb_req_x2_is_valid
#define afb_req_get_api			afb_req_x2_get_api
#define afb_req_get_vcbdata		afb_req_x2_get_vcbdata
#define afb_req_get_called_api		afb_req_x2_get_called_api
#define afb_req_get_called_verb		afb_req_x2_get_called_verb
#define afb_req_wants_log_level		afb_req_x2_wants_log_level
#define afb_req_get			afb_req_x2_get
#define afb_req_value			afb_req_x2_value
#define afb_req_path			afb_req_x2_path
#define afb_req_json			afb_req_x2_json
#define afb_req_reply			afb_req_x2_reply
#define afb_req_reply_f			afb_req_x2_reply_f
#define afb_req_reply_v			afb_req_x2_reply_v
#define afb_req_success(r,o,i)		afb_req_x2_reply(r,o,0,i)
#define afb_req_success_f(r,o,...)	afb_req_x2_reply_f(r,o,0,__VA_ARGS__)
#define afb_req_success_v(r,o,f,v)	afb_req_x2_reply_v(r,o,0,f,v)
#define afb_req_fail(r,e,i)		afb_req_x2_reply(r,0,e,i)
#define afb_req_fail_f(r,e,...)		afb_req_x2_reply_f(r,0,e,__VA_ARGS__)
#define afb_req_fail_v(r,e,f,v)		afb_req_x2_reply_v(r,0,e,f,v)
#define afb_req_context			afb_req_x2_context
#define afb_req_context_make		afb_req_x2_context
#define afb_req_context_get		afb_req_x2_context_get
#define afb_req_context_set		afb_req_x2_context_set
#define afb_req_context_clear		afb_req_x2_context_clear
#define afb_req_addref			afb_req_x2_addref
#define afb_req_unref			afb_req_x2_unref
#define afb_req_session_close		afb_req_x2_session_close
#define afb_req_session_set_LOA		afb_req_x2_session_set_LOA
#define afb_req_subscribe		afb_req_x2_subscribe
#define afb_req_unsubscribe		afb_req_x2_unsubscribe
#define afb_req_subcall			afb_req_x2_subcall
#define afb_req_subcall_sync		afb_req_x2_subcall_sync
#define afb_req_subcall_legacy		afb_req_x2_subcall_legacy
#define afb_req_subcall_req		afb_req_x2_subcall_req
#define afb_req_subcall_sync_legacy	afb_req_x2_subcall_sync_legacy
#define afb_req_vverbose		afb_req_x2_vverbose
#define afb_req_verbose			afb_req_x2_verbose
#define afb_req_has_permission		afb_req_x2_has_permission
#define afb_req_get_application_id	afb_req_x2_get_application_id
#define afb_req_get_uid			afb_req_x2_get_uid
#define afb_req_get_client_info		afb_req_x2_get_client_info
#define afb_req_store(x)		afb_req_x2_addref(x)
#define afb_req_unstore(x)		(x)

#define afb_req_subcall_flags		afb_req_x2_subcall_flags
#define afb_req_subcall_catch_events	afb_req_x2_subcall_catch_events
#define afb_req_subcall_pass_events	afb_req_x2_subcall_pass_events
#define afb_req_subcall_on_behalf	afb_req_x2_subcall_on_behalf
#define afb_req_subcall_api_session	afb_req_x2_subcall_api_session

/* events */
#define afb_event_is_valid		afb_event_x2_is_valid
#define afb_event_broadcast		afb_event_x2_broadcast
#define afb_event_push			afb_event_x2_push
#define afb_event_name			afb_event_x2_name
#define afb_event_unref			afb_event_x2_unref
#define afb_event_addref		afb_event_x2_addref

/* apis */
#define afb_api_name			afb_api_x3_name
#define afb_api_get_userdata		afb_api_x3_get_userdata
#define afb_api_set_userdata		afb_api_x3_set_userdata
#define afb_api_wants_log_level		afb_api_x3_wants_log_level
#define afb_api_vverbose		afb_api_x3_vverbose
#define afb_api_verbose			afb_api_x3_verbose
#define afb_api_get_event_loop		afb_api_x3_get_event_loop
#define afb_api_get_user_bus		afb_api_x3_get_user_bus
#define afb_api_get_system_bus		afb_api_x3_get_system_bus
#define afb_api_rootdir_get_fd		afb_api_x3_rootdir_get_fd
#define afb_api_rootdir_open_locale	afb_api_x3_rootdir_open_locale
#define afb_api_queue_job		afb_api_x3_queue_job
#define afb_api_require_api		afb_api_x3_require_api
#define afb_api_add_alias		afb_api_x3_add_alias
#define afb_api_broadcast_event		afb_api_x3_broadcast_event
#define afb_api_make_event		afb_api_x3_make_event_x2
#define afb_api_call_legacy		afb_api_x3_call_legacy
#define afb_api_call_sync_legacy	afb_api_x3_call_sync_legacy
#define afb_api_new_api			afb_api_x3_new_api
#define afb_api_set_verbs_v2		afb_api_x3_set_verbs_v2
#define afb_api_set_verbs_v3		afb_api_x3_set_verbs_v3
#define afb_api_add_verb		afb_api_x3_add_verb
#define afb_api_del_verb		afb_api_x3_del_verb
#define afb_api_on_event		afb_api_x3_on_event
#define afb_api_on_init			afb_api_x3_on_init
#define afb_api_seal			afb_api_x3_seal
#define afb_api_event_handler_add	afb_api_x3_event_handler_add
#define afb_api_event_handler_del	afb_api_x3_event_handler_del
#define afb_api_call			afb_api_x3_call
#define afb_api_call_sync		afb_api_x3_call_sync
#define afb_api_provide_class		afb_api_x3_provide_class
#define afb_api_require_class		afb_api_x3_require_class
#define afb_api_delete_api		afb_api_x3_delete_api
#define afb_api_settings		afb_api_x3_settings

/* session flags */
#define AFB_SESSION_NONE		AFB_SESSION_NONE_X2
#define AFB_SESSION_CLOSE		AFB_SESSION_CLOSE_X2
#define AFB_SESSION_RENEW		AFB_SESSION_REFRESH_X2
#define AFB_SESSION_REFRESH		AFB_SESSION_REFRESH_X2
#define AFB_SESSION_CHECK		AFB_SESSION_CHECK_X2
#define AFB_SESSION_LOA_MASK		AFB_SESSION_LOA_MASK_X2
#define AFB_SESSION_LOA_0		AFB_SESSION_LOA_0_X2
#define AFB_SESSION_LOA_1		AFB_SESSION_LOA_1_X2
#define AFB_SESSION_LOA_2		AFB_SESSION_LOA_2_X2
#define AFB_SESSION_LOA_3		AFB_SESSION_LOA_3_X2

/*
 * Logging. AFB_API_ERROR(api, fmt, ...) ... AFB_API_DEBUG and
 * AFB_REQ_ERROR(req, fmt, ...) ... AFB_REQ_DEBUG are produced when the
 * log mask of the api (api->logmask, req->api->logmask; the daemon may
 * change it) has their syslog level; AFB_ERROR(fmt, ...) ... AFB_DEBUG
 * log for the root api. AFB_API_VERBOSE(api, level, ...) and
 * AFB_REQ_VERBOSE(req, level, ...) do not test the mask.
 */
#if defined(AFB_BINDING_PRAGMA_NO_VERBOSE_DATA)
/* errors keep their message, other levels only their location */
# define AFB_API_VERBOSE_V3(api,level,...) \
	do{ if ((level) <= AFB_SYSLOG_LEVEL_ERROR) \
		afb_api_x3_verbose(api,level,__FILE__,__LINE__,__func__,__VA_ARGS__); \
	    else _afb_api_log_nodata_v3_(api,level,__FILE__,__LINE__,__func__); }while(0)
# define AFB_REQ_VERBOSE_V3(req,level,...) \
	do{ if ((level) <= AFB_SYSLOG_LEVEL_ERROR) \
		afb_req_x2_verbose(req,level,__FILE__,__LINE__,__func__,__VA_ARGS__); \
	    else _afb_req_log_nodata_v3_(req,level,__FILE__,__LINE__,__func__); }while(0)
#elif defined(AFB_BINDING_PRAGMA_NO_VERBOSE_DETAILS)
# define AFB_API_VERBOSE_V3(api,level,...)	afb_api_x3_verbose(api,level,0,0,0,__VA_ARGS__)
# define AFB_REQ_VERBOSE_V3(req,level,...)	afb_req_x2_verbose(req,level,0,0,0,__VA_ARGS__)
#else
# define AFB_API_VERBOSE_V3(api,level,...)	afb_api_x3_verbose(api,level,__FILE__,__LINE__,__func__,__VA_ARGS__)
# define AFB_REQ_VERBOSE_V3(req,level,...)	afb_req_x2_verbose(req,level,__FILE__,__LINE__,__func__,__VA_ARGS__)
#endif

static inline void _afb_api_log_nodata_v3_(struct afb_api_x3 *api, int level, const char *file, int line,
					   const char *func, ...)
{
	va_list args;
	va_start(args, func);
	api->itf->vverbose(api, level, file, line, func, 0, args);
	va_end(args);
}

static inline void _afb_req_log_nodata_v3_(struct afb_req_x2 *req, int level, const char *file, int line,
					   const char *func, ...)
{
	va_list args;
	va_start(args, func);
	req->itf->vverbose(req, level, file, line, func, 0, args);
	va_end(args);
}

#define _AFB_API_LOGGING_V3_(api,level,...) \
	do{ if (afb_api_x3_wants_log_level((api),(level))) AFB_API_VERBOSE_V3((api),(level),__VA_ARGS__); }while(0)
#define _AFB_REQ_LOGGING_V3_(req,level,...) \
	do{ if (afb_req_x2_wants_log_level((req),(level))) AFB_REQ_VERBOSE_V3((req),(level),__VA_ARGS__); }while(0)

#define AFB_API_ERROR_V3(api,...)	_AFB_API_LOGGING_V3_(api,AFB_SYSLOG_LEVEL_ERROR,__VA_ARGS__)
#define AFB_API_WARNING_V3(api,...)	_AFB_API_LOGGING_V3_(api,AFB_SYSLOG_LEVEL_WARNING,__VA_ARGS__)
#define AFB_API_NOTICE_V3(api,...)	_AFB_API_LOGGING_V3_(api,AFB_SYSLOG_LEVEL_NOTICE,__VA_ARGS__)
#define AFB_API_INFO_V3(api,...)	_AFB_API_LOGGING_V3_(api,AFB_SYSLOG_LEVEL_INFO,__VA_ARGS__)
#define AFB_API_DEBUG_V3(api,...)	_AFB_API_LOGGING_V3_(api,AFB_SYSLOG_LEVEL_DEBUG,__VA_ARGS__)

#define AFB_REQ_ERROR_V3(req,...)	_AFB_REQ_LOGGING_V3_(req,AFB_SYSLOG_LEVEL_ERROR,__VA_ARGS__)
#define AFB_REQ_WARNING_V3(req,...)	_AFB_REQ_LOGGING_V3_(req,AFB_SYSLOG_LEVEL_WARNING,__VA_ARGS__)
#define AFB_REQ_NOTICE_V3(req,...)	_AFB_REQ_LOGGING_V3_(req,AFB_SYSLOG_LEVEL_NOTICE,__VA_ARGS__)
#define AFB_REQ_INFO_V3(req,...)	_AFB_REQ_LOGGING_V3_(req,AFB_SYSLOG_LEVEL_INFO,__VA_ARGS__)
#define AFB_REQ_DEBUG_V3(req,...)	_AFB_REQ_LOGGING_V3_(req,AFB_SYSLOG_LEVEL_DEBUG,__VA_ARGS__)

#define AFB_ERROR_V3(...)		AFB_API_ERROR_V3(afbBindingV3root,__VA_ARGS__)
#define AFB_WARNING_V3(...)		AFB_API_WARNING_V3(afbBindingV3root,__VA_ARGS__)
#define AFB_NOTICE_V3(...)		AFB_API_NOTICE_V3(afbBindingV3root,__VA_ARGS__)
#define AFB_INFO_V3(...)		AFB_API_INFO_V3(afbBindingV3root,__VA_ARGS__)
#define AFB_DEBUG_V3(...)		AFB_API_DEBUG_V3(afbBindingV3root,__VA_ARGS__)

#define AFB_API_ERROR			AFB_API_ERROR_V3
#define AFB_API_WARNING			AFB_API_WARNING_V3
#define AFB_API_NOTICE			AFB_API_NOTICE_V3
#define AFB_API_INFO			AFB_API_INFO_V3
#define AFB_API_DEBUG			AFB_API_DEBUG_V3
#define AFB_API_VERBOSE			AFB_API_VERBOSE_V3
#define AFB_REQ_ERROR			AFB_REQ_ERROR_V3
#define AFB_REQ_WARNING			AFB_REQ_WARNING_V3
#define AFB_REQ_NOTICE			AFB_REQ_NOTICE_V3
#define AFB_REQ_INFO			AFB_REQ_INFO_V3
#define AFB_REQ_DEBUG			AFB_REQ_DEBUG_V3
#define AFB_REQ_VERBOSE			AFB_REQ_VERBOSE_V3
#define AFB_ERROR			AFB_ERROR_V3
#define AFB_WARNING			AFB_WARNING_V3
#define AFB_NOTICE			AFB_NOTICE_V3
#define AFB_INFO			AFB_INFO_V3
#define AFB_DEBUG			AFB_DEBUG_V3

/* the daemon and service functions of v2, on the root api */
#define afb_get_root_api_v3()			(afbBindingV3root)
#define afb_get_logmask_v3()			(afbBindingV3root->logmask)
#define afb_get_verbosity_v3() \
	AFB_SYSLOG_LEVEL_TO_VERBOSITY(_afb_verbomask_to_upper_level_(afbBindingV3root->logmask))
#define afb_daemon_get_event_loop_v3()		afb_api_x3_get_event_loop(afbBindingV3root)
#define afb_daemon_get_user_bus_v3()		afb_api_x3_get_user_bus(afbBindingV3root)
#define afb_daemon_get_system_bus_v3()		afb_api_x3_get_system_bus(afbBindingV3root)
#define afb_daemon_broadcast_event_v3(...)	afb_api_x3_broadcast_event(afbBindingV3root,__VA_ARGS__)
#define afb_daemon_make_event_v3(...)		afb_api_x3_make_event_x2(afbBindingV3root,__VA_ARGS__)
#define afb_daemon_verbose_v3(...)		afb_api_x3_verbose(afbBindingV3root,__VA_ARGS__)
#define afb_daemon_rootdir_get_fd_v3()		afb_api_x3_rootdir_get_fd(afbBindingV3root)
#define afb_daemon_rootdir_open_locale_v3(...)	afb_api_x3_rootdir_open_locale(afbBindingV3root,__VA_ARGS__)
#define afb_daemon_queue_job_v3(...)		afb_api_x3_queue_job(afbBindingV3root,__VA_ARGS__)
#define afb_daemon_require_api_v3(...)		afb_api_x3_require_api(afbBindingV3root,__VA_ARGS__)
#define afb_daemon_add_alias_v3(...)		afb_api_x3_add_alias(afbBindingV3root,__VA_ARGS__)
#define afb_service_call_v3(...)		afb_api_x3_call(afbBindingV3root,__VA_ARGS__)
#define afb_service_call_sync_v3(...)		afb_api_x3_call_sync(afbBindingV3root,__VA_ARGS__)
#define afb_service_call_legacy_v3(...)		afb_api_x3_call_legacy(afbBindingV3root,__VA_ARGS__)
#define afb_service_call_sync_legacy_v3(...)	afb_api_x3_call_sync_legacy(afbBindingV3root,__VA_ARGS__)

#define afb_get_verbosity			afb_get_verbosity_v3
#define afb_get_logmask				afb_get_logmask_v3
#define afb_get_daemon				afb_get_root_api_v3
#define afb_get_service				afb_get_root_api_v3
#define afb_daemon_get_event_loop		afb_daemon_get_event_loop_v3
#define afb_daemon_get_user_bus			afb_daemon_get_user_bus_v3
#define afb_daemon_get_system_bus		afb_daemon_get_system_bus_v3
#define afb_daemon_broadcast_event		afb_daemon_broadcast_event_v3
#define afb_daemon_make_event			afb_daemon_make_event_v3
#define afb_daemon_verbose			afb_daemon_verbose_v3
#define afb_daemon_rootdir_get_fd		afb_daemon_rootdir_get_fd_v3
#define afb_daemon_rootdir_open_locale		afb_daemon_rootdir_open_locale_v3
#define afb_daemon_queue_job			afb_daemon_queue_job_v3
#define afb_daemon_require_api			afb_daemon_require_api_v3
#define afb_daemon_add_alias			afb_daemon_add_alias_v3
#define afb_service_call			afb_service_call_v3
#define afb_service_call_sync			afb_service_call_sync_v3
#define afb_service_call_legacy			afb_service_call_legacy_v3
#define afb_service_call_sync_legacy		afb_service_call_sync_legacy_v3

/* type names */
typedef struct afb_verb_v3 afb_verb_t;
typedef struct afb_binding_v3 afb_binding_t;
typedef struct afb_api_x3 *afb_api_t;
typedef struct afb_api_x3 *afb_api_x3_t;
typedef struct afb_req_x2 *afb_req_t;
typedef struct afb_req_x2 *afb_req_x2_t;
typedef struct afb_event_x2 *afb_event_t;
typedef struct afb_event_x2 *afb_event_x2_t;
typedef struct afb_api_x3 *afb_daemon_t;
typedef struct afb_api_x3 *afb_service_t;
typedef struct afb_req_x2 *afb_stored_req_t;
typedef struct afb_auth afb_auth_t;
typedef enum afb_auth_type afb_auth_type_t;
typedef struct afb_arg afb_arg_t;
typedef enum afb_req_x2_subcall_flags afb_req_subcall_flags_t;

#define afbBindingExport	afbBindingV3
#define afbBindingRoot		afbBindingV3root
#define afbBindingEntry		afbBindingV3entry

#if defined(AFB_BINDING_WANT_DYNAPI)
# include "afb-dynapi-legacy.h"
#endif

#endif /* AFB_BINDING_VERSION == 3 */
