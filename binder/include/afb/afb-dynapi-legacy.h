/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The names of the "dynapi" bindings of 2018 (the step between v2 and v3),
 * mapped onto binding API v3 when a v3 binding defines
 * AFB_BINDING_WANT_DYNAPI before including afb-binding.h.
 * Requests are 'struct afb_request *', apis 'struct afb_dynapi *',
 * events 'struct afb_eventid *'.
 */
#pragma once

#define afb_dynapi			afb_api_x3
#define afb_dynapi_itf			afb_api_x3_itf
#define afb_request			afb_req_x2
#define afb_eventid			afb_event_x2

/* requests */
#define afb_request_get_dynapi		afb_req_x2_get_api
#define afb_request_get_vcbdata		afb_req_x2_get_vcbdata
#define afb_request_get_api		afb_req_x2_get_called_api
#define afb_request_get_verb		afb_req_x2_get_called_verb
#define afb_request_wants_log_level	afb_req_x2_wants_log_level
#define afb_request_get			afb_req_x2_get
#define afb_request_value		afb_req_x2_value
#define afb_request_path		afb_req_x2_path
#define afb_request_json		afb_req_x2_json
#define afb_request_reply		afb_req_x2_reply
#define afb_request_reply_f		afb_req_x2_reply_f
#define afb_request_reply_v		afb_req_x2_reply_v
#define afb_request_success(r,o,i)	afb_req_x2_reply(r,o,0,i)
#define afb_request_success_f(r,o,...)	afb_req_x2_reply_f(r,o,0,__VA_ARGS__)
#define afb_request_success_v(r,o,f,v)	afb_req_x2_reply_v(r,o,0,f,v)
#define afb_request_fail(r,e,i)		afb_req_x2_reply(r,0,e,i)
#define afb_request_fail_f(r,e,...)	afb_req_x2_reply_f(r,0,e,__VA_ARGS__)
#define afb_request_fail_v(r,e,f,v)	afb_req_x2_reply_v(r,0,e,f,v)
#define afb_request_context_get		afb_req_x2_context_get
#define afb_request_context_set		afb_req_x2_context_set
#define afb_request_context		afb_req_x2_context
#define afb_request_context_clear	afb_req_x2_context_clear
#define afb_request_addref		afb_req_x2_addref
#define afb_request_unref		afb_req_x2_unref
#define afb_request_session_close	afb_req_x2_session_close
#define afb_request_session_set_LOA	afb_req_x2_session_set_LOA
#define afb_request_subscribe		afb_req_x2_subscribe
#define afb_request_unsubscribe		afb_req_x2_unsubscribe
#define afb_request_subcall		afb_req_x2_subcall_legacy
#define afb_request_subcall_sync	afb_req_x2_subcall_sync_legacy
#define afb_request_verbose		afb_req_x2_verbose
#define afb_request_has_permission	afb_req_x2_has_permission
#define afb_request_get_application_id	afb_req_x2_get_application_id
#define afb_request_get_uid		afb_req_x2_get_uid
#define afb_request_get_client_info	afb_req_x2_get_client_info

/* apis */
#define afb_dynapi_name			afb_api_x3_name
#define afb_dynapi_get_userdata		afb_api_x3_get_userdata
#define afb_dynapi_set_userdata		afb_api_x3_set_userdata
#define afb_dynapi_wants_log_level	afb_api_x3_wants_log_level
#define afb_dynapi_verbose		afb_api_x3_verbose
#define afb_dynapi_vverbose		afb_api_x3_vverbose
#define afb_dynapi_get_event_loop	afb_api_x3_get_event_loop
#define afb_dynapi_get_user_bus		afb_api_x3_get_user_bus
#define afb_dynapi_get_system_bus	afb_api_x3_get_system_bus
#define afb_dynapi_rootdir_get_fd	afb_api_x3_rootdir_get_fd
#define afb_dynapi_rootdir_open_locale	afb_api_x3_rootdir_open_locale
#define afb_dynapi_queue_job		afb_api_x3_queue_job
#define afb_dynapi_require_api		afb_api_x3_require_api
#define afb_dynapi_rename_api		afb_api_x3_add_alias
#define afb_dynapi_broadcast_event	afb_api_x3_broadcast_event
#define afb_dynapi_make_eventid		afb_api_x3_make_event_x2
#define afb_dynapi_call			afb_api_x3_call_legacy
#define afb_dynapi_call_sync		afb_api_x3_call_sync_legacy
/* 0 or -1, as the dynapi function did */
#define afb_dynapi_new_api(...)		(-!afb_api_x3_new_api(__VA_ARGS__))
#define afb_dynapi_set_verbs_v2		afb_api_x3_set_verbs_v2
#define afb_dynapi_add_verb(api,verb,info,cb,vcbdata,auth,session) \
	afb_api_x3_add_verb(api,verb,info,cb,vcbdata,auth,session,0)
#define afb_dynapi_sub_verb(api,verb)	afb_api_x3_del_verb(api,verb,0)
#define afb_dynapi_on_event		afb_api_x3_on_event
#define afb_dynapi_on_init		afb_api_x3_on_init
#define afb_dynapi_seal			afb_api_x3_seal

/* events */
#define afb_eventid_is_valid		afb_event_x2_is_valid
#define afb_eventid_broadcast		afb_event_x2_broadcast
#define afb_eventid_push		afb_event_x2_push
#define afb_eventid_name		afb_event_x2_name
#define afb_eventid_drop		afb_event_x2_unref
#define afb_eventid_unref		afb_event_x2_unref
#define afb_eventid_addref		afb_event_x2_addref

/* logging */
#define AFB_REQUEST_VERBOSE		AFB_REQ_VERBOSE_V3
#define AFB_DYNAPI_ERROR		AFB_API_ERROR_V3
#define AFB_DYNAPI_WARNING		AFB_API_WARNING_V3
#define AFB_DYNAPI_NOTICE		AFB_API_NOTICE_V3
#define AFB_DYNAPI_INFO			AFB_API_INFO_V3
#define AFB_DYNAPI_DEBUG		AFB_API_DEBUG_V3
#define AFB_REQUEST_ERROR		AFB_REQ_ERROR_V3
#define AFB_REQUEST_WARNING		AFB_REQ_WARNING_V3
#define AFB_REQUEST_NOTICE		AFB_REQ_NOTICE_V3
#define AFB_REQUEST_INFO		AFB_REQ_INFO_V3
#define AFB_REQUEST_DEBUG		AFB_REQ_DEBUG_V3

typedef struct afb_event_x2 afb_eventid;
typedef struct afb_api_x3 afb_dynapi;
typedef struct afb_req_x2 afb_request;

/*
 * A "dynapi" binding exported this function instead of afbBindingV3entry.
 * This daemon does not load such bindings (nor did the 2021 AGL binder by
 * default): rename it afbBindingV3entry to make the binding a v3 one.
 */
extern int afbBindingVdyn(struct afb_api_x3 *dynapi);
