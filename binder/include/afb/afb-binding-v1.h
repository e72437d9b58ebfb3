/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Descriptors and entry points of binding API version 1.
 */
#pragma once

#include "afb-req-itf.h"
#include "afb-daemon-itf.h"
#include "afb-service-itf.h"

struct json_object;

/* The value of 'type' in 'struct afb_binding' */
enum afb_binding_type_v1 {
	AFB_BINDING_VERSION_1 = 123456789
};

/*
 * Session flags of a verb. Any flag but NONE requires a valid token.
 * AFB_SESSION_CREATE follows the binding document (LOA_EQ_0|RENEW); the
 * 2017 binder gave it the value 1, which this daemon ignores.
 */
enum afb_session_flags_v1 {
	AFB_SESSION_NONE = 0,
	AFB_SESSION_CLOSE = 2,
	AFB_SESSION_RENEW = 4,
	AFB_SESSION_REFRESH = AFB_SESSION_RENEW,
	AFB_SESSION_CHECK = 8,

	AFB_SESSION_LOA_GE = 16,
	AFB_SESSION_LOA_LE = 32,
	AFB_SESSION_LOA_EQ = 48,

	AFB_SESSION_LOA_SHIFT = 6,
	AFB_SESSION_LOA_MASK = 7,

	AFB_SESSION_LOA_0 = 0,
	AFB_SESSION_LOA_1 = 64,
	AFB_SESSION_LOA_2 = 128,
	AFB_SESSION_LOA_3 = 192,
	AFB_SESSION_LOA_4 = 256,

	AFB_SESSION_LOA_LE_0 = AFB_SESSION_LOA_LE | AFB_SESSION_LOA_0,
	AFB_SESSION_LOA_LE_1 = AFB_SESSION_LOA_LE | AFB_SESSION_LOA_1,
	AFB_SESSION_LOA_LE_2 = AFB_SESSION_LOA_LE | AFB_SESSION_LOA_2,
	AFB_SESSION_LOA_LE_3 = AFB_SESSION_LOA_LE | AFB_SESSION_LOA_3,

	AFB_SESSION_LOA_EQ_0 = AFB_SESSION_LOA_EQ | AFB_SESSION_LOA_0,
	AFB_SESSION_LOA_EQ_1 = AFB_SESSION_LOA_EQ | AFB_SESSION_LOA_1,
	AFB_SESSION_LOA_EQ_2 = AFB_SESSION_LOA_EQ | AFB_SESSION_LOA_2,
	AFB_SESSION_LOA_EQ_3 = AFB_SESSION_LOA_EQ | AFB_SESSION_LOA_3,

	AFB_SESSION_LOA_GE_0 = AFB_SESSION_LOA_GE | AFB_SESSION_LOA_0,
	AFB_SESSION_LOA_GE_1 = AFB_SESSION_LOA_GE | AFB_SESSION_LOA_1,
	AFB_SESSION_LOA_GE_2 = AFB_SESSION_LOA_GE | AFB_SESSION_LOA_2,
	AFB_SESSION_LOA_GE_3 = AFB_SESSION_LOA_GE | AFB_SESSION_LOA_3,

	AFB_SESSION_CREATE = AFB_SESSION_LOA_EQ_0 | AFB_SESSION_RENEW
};

/* the name used by the binding document */
#define AFB_session_v1 afb_session_flags_v1

/* One verb of the api. An entry with name == NULL ends the array. */
struct afb_verb_desc_v1 {
	const char *name;			/* name of the verb */
	enum afb_session_flags_v1 session;	/* session requirements */
	void (*callback)(struct afb_req req);	/* the implementation */
	const char *info;			/* short description */
};

/* The api: '.verbs' (published bindings) and '.methods' (document) are the same field. */
struct afb_binding_desc_v1 {
	const char *info;	/* short description of the api, not empty */
	const char *prefix;	/* the api name */
	union {
		const struct afb_verb_desc_v1 *verbs;
		const struct afb_verb_desc_v1 *methods;
	};
};

struct afb_binding_v1 {
	enum afb_binding_type_v1 type;	/* AFB_BINDING_VERSION_1 */
	union {
		struct afb_binding_desc_v1 v1;
	};
};

enum afb_mode_v1 {
	AFB_MODE_LOCAL = 0,
	AFB_MODE_REMOTE = 1,
	AFB_MODE_GLOBAL = 2
};

/* Given to afbBindingV1Register; valid for the whole life of the binding. */
struct afb_binding_interface_v1 {
	struct afb_daemon daemon;	/* the daemon interface, in the name of this api */
	int verbosity;			/* the current verbosity of the api */
	enum afb_mode_v1 mode;		/* always AFB_MODE_LOCAL */
};

#define afb_binding afb_binding_v1
#define afb_binding_interface afb_binding_interface_v1
#define afb_binding_desc afb_binding_desc_v1
#define afb_verb_desc afb_verb_desc_v1

/* Mandatory: returns the description of the binding or NULL on failure. */
extern const struct afb_binding_v1 *afbBindingV1Register(const struct afb_binding_interface_v1 *itf);

/* Optional: called after every binding is registered; return 0 or a negative value to abort. */
extern int afbBindingV1ServiceInit(struct afb_service service);

/* Optional: receives broadcasts and the events subscribed by service calls; 'object' is borrowed. */
extern void afbBindingV1ServiceEvent(const char *event, struct json_object *object);

/*
 * Optional, an extension of afb-daemon (the 2017 binder ignores it): the
 * OpenAPI 3 description of the api, as JSON text. When it is a JSON object,
 * the daemon describes the api with it (as binding API v2 does with its
 * 'specification') instead of the description it makes from the verbs;
 * its "paths" must then list every verb. Its schemas give the typed D-Bus
 * methods and signals their signatures (docs/dbus.md). A binding linked
 * with a version script exports it (bindings/export.map).
 */
extern const char afbBindingV1Specification[];

/*
 * Logging: AFB_ERROR_V1(afbitf, fmt, ...) and friends, ERROR(afbitf, fmt,
 * ...) in the binding document. The message is produced only when the
 * verbosity of the api is at least the level of the macro (ERROR 0,
 * WARNING 1, NOTICE 1, INFO 2, DEBUG 3); it goes to stderr with the
 * syslog prefix "<3> ERROR" ... "<7> DEBUG". AFB_REQ_ERROR_V1(afbitf, req,
 * fmt, ...) and friends log in the name of a request.
 */
#if defined(AFB_BINDING_PRAGMA_NO_VERBOSE_DATA)
# define _AFB_LOGGING_V1_(itf,vlevel,llevel,...) \
	do{ if((itf)->verbosity>=vlevel) afb_daemon_verbose2((itf)->daemon,llevel,__FILE__,__LINE__,__func__,"%s",""); }while(0)
# define _AFB_REQ_LOGGING_V1_(itf,req,vlevel,llevel,...) \
	do{ if((itf)->verbosity>=vlevel) afb_req_verbose(req,llevel,__FILE__,__LINE__,__func__,"%s",""); }while(0)
#elif defined(AFB_BINDING_PRAGMA_NO_VERBOSE_DETAILS)
# define _AFB_LOGGING_V1_(itf,vlevel,llevel,...) \
	do{ if((itf)->verbosity>=vlevel) afb_daemon_verbose2((itf)->daemon,llevel,0,0,0,__VA_ARGS__); }while(0)
# define _AFB_REQ_LOGGING_V1_(itf,req,vlevel,llevel,...) \
	do{ if((itf)->verbosity>=vlevel) afb_req_verbose(req,llevel,0,0,0,__VA_ARGS__); }while(0)
#else
# define _AFB_LOGGING_V1_(itf,vlevel,llevel,...) \
	do{ if((itf)->verbosity>=vlevel) afb_daemon_verbose2((itf)->daemon,llevel,__FILE__,__LINE__,__func__,__VA_ARGS__); }while(0)
# define _AFB_REQ_LOGGING_V1_(itf,req,vlevel,llevel,...) \
	do{ if((itf)->verbosity>=vlevel) afb_req_verbose(req,llevel,__FILE__,__LINE__,__func__,__VA_ARGS__); }while(0)
#endif

#define AFB_ERROR_V1(itf,...)   _AFB_LOGGING_V1_(itf,0,3,__VA_ARGS__)
#define AFB_WARNING_V1(itf,...) _AFB_LOGGING_V1_(itf,1,4,__VA_ARGS__)
#define AFB_NOTICE_V1(itf,...)  _AFB_LOGGING_V1_(itf,1,5,__VA_ARGS__)
#define AFB_INFO_V1(itf,...)    _AFB_LOGGING_V1_(itf,2,6,__VA_ARGS__)
#define AFB_DEBUG_V1(itf,...)   _AFB_LOGGING_V1_(itf,3,7,__VA_ARGS__)

#define AFB_REQ_ERROR_V1(itf,req,...)   _AFB_REQ_LOGGING_V1_(itf,req,0,3,__VA_ARGS__)
#define AFB_REQ_WARNING_V1(itf,req,...) _AFB_REQ_LOGGING_V1_(itf,req,1,4,__VA_ARGS__)
#define AFB_REQ_NOTICE_V1(itf,req,...)  _AFB_REQ_LOGGING_V1_(itf,req,1,5,__VA_ARGS__)
#define AFB_REQ_INFO_V1(itf,req,...)    _AFB_REQ_LOGGING_V1_(itf,req,2,6,__VA_ARGS__)
#define AFB_REQ_DEBUG_V1(itf,req,...)   _AFB_REQ_LOGGING_V1_(itf,req,3,7,__VA_ARGS__)
#define AFB_REQ_VERBOSE_V1(req,level,...) \
	afb_req_verbose(req,level,__FILE__,__LINE__,__func__,__VA_ARGS__)

/* the short names are those of version 1 only when it is the version chosen */
#if AFB_BINDING_VERSION == 1
# define AFB_ERROR       AFB_ERROR_V1
# define AFB_WARNING     AFB_WARNING_V1
# define AFB_NOTICE      AFB_NOTICE_V1
# define AFB_INFO        AFB_INFO_V1
# define AFB_DEBUG       AFB_DEBUG_V1
# define AFB_REQ_ERROR   AFB_REQ_ERROR_V1
# define AFB_REQ_WARNING AFB_REQ_WARNING_V1
# define AFB_REQ_NOTICE  AFB_REQ_NOTICE_V1
# define AFB_REQ_INFO    AFB_REQ_INFO_V1
# define AFB_REQ_DEBUG   AFB_REQ_DEBUG_V1
# define AFB_REQ_VERBOSE AFB_REQ_VERBOSE_V1
# if !defined(AFB_BINDING_PRAGMA_NO_VERBOSE_MACRO)
#  define ERROR   AFB_ERROR_V1
#  define WARNING AFB_WARNING_V1
#  define NOTICE  AFB_NOTICE_V1
#  define INFO    AFB_INFO_V1
#  define DEBUG   AFB_DEBUG_V1
# endif

/* type names of the 2017 headers */
typedef struct afb_binding_v1 afb_binding_v1;
typedef struct afb_binding_desc_v1 afb_binding_desc_v1;
typedef struct afb_verb_desc_v1 afb_verb_desc_v1;
typedef struct afb_binding_interface_v1 afb_binding_interface_v1;
typedef struct afb_req afb_req;
typedef struct afb_event afb_event;
typedef struct afb_daemon afb_daemon;
typedef struct afb_service afb_service;
typedef struct afb_arg afb_arg;
#endif
