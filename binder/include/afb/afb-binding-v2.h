/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Binding API version 2 (2017-2018): a binding exports
 *
 *	const struct afb_binding_v2 afbBindingV2 = { .api = "name", .verbs = ... };
 *
 * and the variable afbBindingV2data, which this header defines (weak) in
 * every translation unit compiled with AFB_BINDING_VERSION 2: the daemon
 * writes the verbosity and the daemon and service tables there before it
 * calls any function of the binding.
 *
 * The shapes are those of the 2021 AGL headers (the 2017 ones differ only
 * by the names of the structures and by the two conventions documented in
 * docs/writing-bindings.md, "v2 conventions").
 */
#pragma once

#include <stdint.h>
#include "afb-verbosity.h"
#include "afb-arg.h"
#include "afb-auth.h"
#include "afb-session-x2.h"
#include "afb-event-x2-itf.h"
#include "afb-req-x2-itf.h"
#include "afb-daemon-itf-x1.h"
#include "afb-api-x3-itf.h"	/* the apis a v2 binding makes (afb_daemon_new_api) */

struct json_object;

/* One verb (40 bytes). An entry with verb == NULL ends the array. */
struct afb_verb_v2 {
	const char *verb;			/* its name */
	void (*callback)(struct afb_req_x1 req);/* its implementation */
	const struct afb_auth *auth;		/* NULL or the authorisation required */
	const char *info;			/* NULL or a short description */
	uint32_t session;			/* AFB_SESSION_* requirements */
};

/* The binding (64 bytes). */
struct afb_binding_v2 {
	const char *api;			/* the api name, mandatory */
	const char *specification;		/* NULL or its OpenAPI 3 description (JSON text) */
	const char *info;			/* NULL or a short description */
	const struct afb_verb_v2 *verbs;	/* the verbs, mandatory (may be empty) */
	int (*preinit)();			/* NULL, or called at load: < 0 fails the load */
	int (*init)();				/* NULL, or called at start: < 0 fails the start */
	void (*onevent)(const char *event, struct json_object *object);	/* NULL or the event handler */
	unsigned noconcurrency: 1;		/* one request at a time */
};

/* What the daemon writes for the binding (40 bytes). */
struct afb_binding_data_v2 {
	int verbosity;				/* AFB_VERBOSITY_LEVEL_*, may change at run time */
	struct afb_daemon_x1 daemon;
	struct afb_service_x1 service;
};

/* ------------------------------------------------------------------------ */
#if AFB_BINDING_VERSION == 2

#ifndef AFB_BINDING_DATA_NAME_V2
# define AFB_BINDING_DATA_NAME_V2 afbBindingV2data
#endif
#define _AFB_V2_DATA_ AFB_BINDING_DATA_NAME_V2

/* a weak definition: every translation unit of the binding may have it */
__attribute__((weak)) struct afb_binding_data_v2 AFB_BINDING_DATA_NAME_V2;

#ifndef AFB_BINDING_MAIN_NAME_V2
extern const struct afb_binding_v2 afbBindingV2;
#endif

#include "afb-req-x1.h"
#include "afb-event-x1.h"
#include "afb-daemon-v2.h"

/* the short names of the structures */
#define afb_req			afb_req_x1
#define afb_event		afb_event_x1
#define afb_daemon		afb_daemon_x1
#define afb_service		afb_service_x1
#define afb_stored_req		afb_req_x2
#define afb_binding		afb_binding_v2

/* the short names of the request functions */
#define afb_req_is_valid		afb_req_x1_is_valid
#define afb_req_get			afb_req_x1_get
#define afb_req_value			afb_req_x1_value
#define afb_req_path			afb_req_x1_path
#define afb_req_json			afb_req_x1_json
#define afb_req_reply			afb_req_x1_reply
#define afb_req_reply_f			afb_req_x1_reply_f
#define afb_req_reply_v			afb_req_x1_reply_v
#define afb_req_success(r,o,i)		afb_req_x1_reply(r,o,0,i)
#define afb_req_success_f(r,o,...)	afb_req_x1_reply_f(r,o,0,__VA_ARGS__)
#define afb_req_success_v(r,o,f,v)	afb_req_x1_reply_v(r,o,0,f,v)
#define afb_req_fail(r,e,i)		afb_req_x1_reply(r,0,e,i)
#define afb_req_fail_f(r,e,...)		afb_req_x1_reply_f(r,0,e,__VA_ARGS__)
#define afb_req_fail_v(r,e,f,v)		afb_req_x1_reply_v(r,0,e,f,v)
#define afb_req_context_get		afb_req_x1_context_get
#define afb_req_context_set		afb_req_x1_context_set
#define afb_req_context			afb_req_x1_context
#define afb_req_context_make		afb_req_x1_context_make
#define afb_req_context_clear		afb_req_x1_context_clear
#define afb_req_addref			afb_req_x1_addref
#define afb_req_unref			afb_req_x1_unref
#define afb_req_session_close		afb_req_x1_session_close
#define afb_req_session_set_LOA		afb_req_x1_session_set_LOA
#define afb_req_subscribe		afb_req_x1_subscribe
#define afb_req_unsubscribe		afb_req_x1_unsubscribe
#define afb_req_subcall			afb_req_x1_subcall
#define afb_req_subcall_req		afb_req_x1_subcall_req
#define afb_req_subcall_sync		afb_req_x1_subcall_sync
#define afb_req_verbose			afb_req_x1_verbose
#define afb_req_has_permission		afb_req_x1_has_permission
#define afb_req_get_application_id	afb_req_x1_get_application_id
#define afb_req_get_uid			afb_req_x1_get_uid
#define afb_req_get_client_info		afb_req_x1_get_client_info
#define afb_req_store			afb_req_x1_store_v2
#define afb_req_store_v2		afb_req_x1_store_v2
#define afb_req_unstore			afb_daemon_unstore_req_v2

/* events */
#define afb_event_is_valid		afb_event_x1_is_valid
#define afb_event_to_event_x2		afb_event_x1_to_event_x2
#define afb_event_broadcast		afb_event_x1_broadcast
#define afb_event_push			afb_event_x1_push
#define afb_event_drop			afb_event_x1_unref
#define afb_event_unref			afb_event_x1_unref
#define afb_event_addref		afb_event_x1_addref
#define afb_event_name			afb_event_x1_name

/* the daemon and the services */
#define afb_get_verbosity		afb_get_verbosity_v2
#define afb_get_daemon			afb_get_daemon_v2
#define afb_get_service			afb_get_service_v2
#define afb_daemon_get_event_loop	afb_daemon_get_event_loop_v2
#define afb_daemon_get_user_bus		afb_daemon_get_user_bus_v2
#define afb_daemon_get_system_bus	afb_daemon_get_system_bus_v2
#define afb_daemon_broadcast_event	afb_daemon_broadcast_event_v2
#define afb_daemon_make_event		afb_daemon_make_event_v2
#define afb_daemon_verbose		afb_daemon_verbose_v2
#define afb_daemon_rootdir_get_fd	afb_daemon_rootdir_get_fd_v2
#define afb_daemon_rootdir_open_locale	afb_daemon_rootdir_open_locale_v2
#define afb_daemon_queue_job		afb_daemon_queue_job_v2
#define afb_daemon_unstore_req		afb_daemon_unstore_req_v2
#define afb_daemon_require_api		afb_daemon_require_api_v2
#define afb_daemon_add_alias		afb_daemon_add_alias_v2
#define afb_daemon_rename_api(x)	afb_daemon_add_alias_v2(0,x)
#define afb_daemon_rename_api_v2(x)	afb_daemon_add_alias_v2(0,x)
#define afb_daemon_new_api		afb_daemon_new_api_v2
#define afb_service_call		afb_service_call_v2
#define afb_service_call_sync		afb_service_call_sync_v2

/* session flags: the v2 names and the short ones */
#define AFB_SESSION_NONE_V2		AFB_SESSION_NONE_X2
#define AFB_SESSION_CLOSE_V2		AFB_SESSION_CLOSE_X2
#define AFB_SESSION_RENEW_V2		AFB_SESSION_REFRESH_X2
#define AFB_SESSION_REFRESH_V2		AFB_SESSION_REFRESH_X2
#define AFB_SESSION_CHECK_V2		AFB_SESSION_CHECK_X2
#define AFB_SESSION_LOA_MASK_V2		AFB_SESSION_LOA_MASK_X2
#define AFB_SESSION_LOA_0_V2		AFB_SESSION_LOA_0_X2
#define AFB_SESSION_LOA_1_V2		AFB_SESSION_LOA_1_X2
#define AFB_SESSION_LOA_2_V2		AFB_SESSION_LOA_2_X2
#define AFB_SESSION_LOA_3_V2		AFB_SESSION_LOA_3_X2
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
 * Logging: AFB_ERROR(fmt, ...) ... AFB_DEBUG and AFB_REQ_ERROR(req, fmt,
 * ...) ... AFB_REQ_DEBUG are produced when the verbosity of the binding
 * (afb_get_verbosity(), which the daemon may change) reaches their level.
 */
#if defined(AFB_BINDING_PRAGMA_NO_VERBOSE_DATA)
# define _AFB_LOGGING_V2_(vlevel,llevel,...) \
	do{ if(afb_get_verbosity_v2()>=vlevel) { if (llevel <= AFB_SYSLOG_LEVEL_ERROR) \
		afb_daemon_verbose_v2(llevel,__FILE__,__LINE__,__func__,__VA_ARGS__); \
	    else _afb_daemon_log_nodata_v2_(llevel,__FILE__,__LINE__,__func__); } }while(0)
# define _AFB_REQ_LOGGING_V2_(vlevel,llevel,req,...) \
	do{ if(afb_get_verbosity_v2()>=vlevel) _afb_req_log_nodata_v2_(req,llevel,__FILE__,__LINE__,__func__); }while(0)
#elif defined(AFB_BINDING_PRAGMA_NO_VERBOSE_DETAILS)
# define _AFB_LOGGING_V2_(vlevel,llevel,...) \
	do{ if(afb_get_verbosity_v2()>=vlevel) afb_daemon_verbose_v2(llevel,0,0,0,__VA_ARGS__); }while(0)
# define _AFB_REQ_LOGGING_V2_(vlevel,llevel,req,...) \
	do{ if(afb_get_verbosity_v2()>=vlevel) afb_req_x1_verbose(req,llevel,0,0,0,__VA_ARGS__); }while(0)
#else
# define _AFB_LOGGING_V2_(vlevel,llevel,...) \
	do{ if(afb_get_verbosity_v2()>=vlevel) afb_daemon_verbose_v2(llevel,__FILE__,__LINE__,__func__,__VA_ARGS__); }while(0)
# define _AFB_REQ_LOGGING_V2_(vlevel,llevel,req,...) \
	do{ if(afb_get_verbosity_v2()>=vlevel) afb_req_x1_verbose(req,llevel,__FILE__,__LINE__,__func__,__VA_ARGS__); }while(0)
#endif

/* location only: the format and its arguments are not compiled in */
static inline void _afb_daemon_log_nodata_v2_(int level, const char *file, int line, const char *func, ...)
{
	va_list args;
	va_start(args, func);
	_AFB_V2_DATA_.daemon.itf->vverbose_v2(_AFB_V2_DATA_.daemon.closure, level, file, line, func, 0, args);
	va_end(args);
}

static inline void _afb_req_log_nodata_v2_(struct afb_req_x1 req, int level, const char *file, int line,
					   const char *func, ...)
{
	va_list args;
	va_start(args, func);
	req.itf->vverbose(req.closure, level, file, line, func, 0, args);
	va_end(args);
}

#define AFB_ERROR_V2(...)	_AFB_LOGGING_V2_(AFB_VERBOSITY_LEVEL_ERROR,AFB_SYSLOG_LEVEL_ERROR,__VA_ARGS__)
#define AFB_WARNING_V2(...)	_AFB_LOGGING_V2_(AFB_VERBOSITY_LEVEL_WARNING,AFB_SYSLOG_LEVEL_WARNING,__VA_ARGS__)
#define AFB_NOTICE_V2(...)	_AFB_LOGGING_V2_(AFB_VERBOSITY_LEVEL_NOTICE,AFB_SYSLOG_LEVEL_NOTICE,__VA_ARGS__)
#define AFB_INFO_V2(...)	_AFB_LOGGING_V2_(AFB_VERBOSITY_LEVEL_INFO,AFB_SYSLOG_LEVEL_INFO,__VA_ARGS__)
#define AFB_DEBUG_V2(...)	_AFB_LOGGING_V2_(AFB_VERBOSITY_LEVEL_DEBUG,AFB_SYSLOG_LEVEL_DEBUG,__VA_ARGS__)

#define AFB_REQ_ERROR_V2(req,...)	_AFB_REQ_LOGGING_V2_(AFB_VERBOSITY_LEVEL_ERROR,AFB_SYSLOG_LEVEL_ERROR,req,__VA_ARGS__)
#define AFB_REQ_WARNING_V2(req,...)	_AFB_REQ_LOGGING_V2_(AFB_VERBOSITY_LEVEL_WARNING,AFB_SYSLOG_LEVEL_WARNING,req,__VA_ARGS__)
#define AFB_REQ_NOTICE_V2(req,...)	_AFB_REQ_LOGGING_V2_(AFB_VERBOSITY_LEVEL_NOTICE,AFB_SYSLOG_LEVEL_NOTICE,req,__VA_ARGS__)
#define AFB_REQ_INFO_V2(req,...)	_AFB_REQ_LOGGING_V2_(AFB_VERBOSITY_LEVEL_INFO,AFB_SYSLOG_LEVEL_INFO,req,__VA_ARGS__)
#define AFB_REQ_DEBUG_V2(req,...)	_AFB_REQ_LOGGING_V2_(AFB_VERBOSITY_LEVEL_DEBUG,AFB_SYSLOG_LEVEL_DEBUG,req,__VA_ARGS__)

/* unconditional, 'level' is a syslog level */
#if defined(AFB_BINDING_PRAGMA_NO_VERBOSE_DETAILS)
# define AFB_REQ_VERBOSE_V2(req,level,...)	afb_req_x1_verbose(req,level,0,0,0,__VA_ARGS__)
#else
# define AFB_REQ_VERBOSE_V2(req,level,...)	afb_req_x1_verbose(req,level,__FILE__,__LINE__,__func__,__VA_ARGS__)
#endif

#define AFB_ERROR		AFB_ERROR_V2
#define AFB_WARNING		AFB_WARNING_V2
#define AFB_NOTICE		AFB_NOTICE_V2
#define AFB_INFO		AFB_INFO_V2
#define AFB_DEBUG		AFB_DEBUG_V2
#define AFB_REQ_ERROR		AFB_REQ_ERROR_V2
#define AFB_REQ_WARNING		AFB_REQ_WARNING_V2
#define AFB_REQ_NOTICE		AFB_REQ_NOTICE_V2
#define AFB_REQ_INFO		AFB_REQ_INFO_V2
#define AFB_REQ_DEBUG		AFB_REQ_DEBUG_V2
#define AFB_REQ_VERBOSE		AFB_REQ_VERBOSE_V2

/* the 2017 headers could also drop the AFB_ prefix */
#if defined(AFB_BINDING_PRAGMA_KEEP_VERBOSE_UNPREFIX)
# define ERROR		AFB_ERROR_V2
# define WARNING	AFB_WARNING_V2
# define NOTICE		AFB_NOTICE_V2
# define INFO		AFB_INFO_V2
# define DEBUG		AFB_DEBUG_V2
# define REQ_ERROR	AFB_REQ_ERROR_V2
# define REQ_WARNING	AFB_REQ_WARNING_V2
# define REQ_NOTICE	AFB_REQ_NOTICE_V2
# define REQ_INFO	AFB_REQ_INFO_V2
# define REQ_DEBUG	AFB_REQ_DEBUG_V2
#endif

/* type names of the 2017 and 2021 headers */
typedef struct afb_verb_v2 afb_verb_v2;
typedef struct afb_binding_v2 afb_binding_v2;
typedef struct afb_verb_v2 afb_verb_t;
typedef struct afb_binding_v2 afb_binding_t;
typedef enum afb_auth_type afb_auth_type;
typedef enum afb_auth_type afb_auth_type_t;
typedef struct afb_auth afb_auth;
typedef struct afb_auth afb_auth_t;
typedef struct afb_arg afb_arg;
typedef struct afb_arg afb_arg_t;
typedef struct afb_req_x1 afb_req_x1;
typedef struct afb_req_x1 afb_req_t;
typedef struct afb_event_x1 afb_event_x1;
typedef struct afb_event_x1 afb_event_t;
typedef struct afb_daemon_x1 afb_daemon_x1;
typedef struct afb_daemon_x1 afb_daemon_t;
typedef struct afb_service_x1 afb_service_x1;
typedef struct afb_service_x1 afb_service_t;
typedef struct afb_req_x2 afb_req_x2;
typedef struct afb_req_x2 afb_stored_req_t;

#define afbBindingExport afbBindingV2

#endif /* AFB_BINDING_VERSION == 2 */
