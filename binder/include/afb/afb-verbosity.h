/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Levels of the logging functions of every binding API version.
 *
 * Two scales exist: the verbosity of the 2016-2017 bindings (0 errors ..
 * 4 debug) and the syslog levels (0 emergency .. 7 debug). Every logging
 * slot of the interface tables takes a syslog level; v3 apis carry a
 * syslog mask (bit L set: level L is wanted).
 */
#pragma once

#define AFB_VERBOSITY_LEVEL_ERROR	0
#define AFB_VERBOSITY_LEVEL_WARNING	1
#define AFB_VERBOSITY_LEVEL_NOTICE	2
#define AFB_VERBOSITY_LEVEL_INFO	3
#define AFB_VERBOSITY_LEVEL_DEBUG	4

#define AFB_SYSLOG_LEVEL_EMERGENCY	0
#define AFB_SYSLOG_LEVEL_ALERT		1
#define AFB_SYSLOG_LEVEL_CRITICAL	2
#define AFB_SYSLOG_LEVEL_ERROR		3
#define AFB_SYSLOG_LEVEL_WARNING	4
#define AFB_SYSLOG_LEVEL_NOTICE		5
#define AFB_SYSLOG_LEVEL_INFO		6
#define AFB_SYSLOG_LEVEL_DEBUG		7

/* the spelling of the 2017 headers */
#define _AFB_SYSLOG_LEVEL_EMERGENCY_	AFB_SYSLOG_LEVEL_EMERGENCY
#define _AFB_SYSLOG_LEVEL_ALERT_	AFB_SYSLOG_LEVEL_ALERT
#define _AFB_SYSLOG_LEVEL_CRITICAL_	AFB_SYSLOG_LEVEL_CRITICAL
#define _AFB_SYSLOG_LEVEL_ERROR_	AFB_SYSLOG_LEVEL_ERROR
#define _AFB_SYSLOG_LEVEL_WARNING_	AFB_SYSLOG_LEVEL_WARNING
#define _AFB_SYSLOG_LEVEL_NOTICE_	AFB_SYSLOG_LEVEL_NOTICE
#define _AFB_SYSLOG_LEVEL_INFO_		AFB_SYSLOG_LEVEL_INFO
#define _AFB_SYSLOG_LEVEL_DEBUG_	AFB_SYSLOG_LEVEL_DEBUG

/* true when a verbosity 'v' lets messages of verbosity level 'l' out */
#define AFB_VERBOSITY_LEVEL_WANT(v,l)		((v) >= (l))
#define AFB_VERBOSITY_LEVEL_WANT_ERROR(v)	AFB_VERBOSITY_LEVEL_WANT(v,AFB_VERBOSITY_LEVEL_ERROR)
#define AFB_VERBOSITY_LEVEL_WANT_WARNING(v)	AFB_VERBOSITY_LEVEL_WANT(v,AFB_VERBOSITY_LEVEL_WARNING)
#define AFB_VERBOSITY_LEVEL_WANT_NOTICE(v)	AFB_VERBOSITY_LEVEL_WANT(v,AFB_VERBOSITY_LEVEL_NOTICE)
#define AFB_VERBOSITY_LEVEL_WANT_INFO(v)	AFB_VERBOSITY_LEVEL_WANT(v,AFB_VERBOSITY_LEVEL_INFO)
#define AFB_VERBOSITY_LEVEL_WANT_DEBUG(v)	AFB_VERBOSITY_LEVEL_WANT(v,AFB_VERBOSITY_LEVEL_DEBUG)

/* true when the syslog mask 'm' wants the syslog level 'l' */
#define AFB_SYSLOG_MASK_WANT(m,l)		((m) & (1 << (l)))
#define AFB_SYSLOG_MASK_WANT_EMERGENCY(m)	AFB_SYSLOG_MASK_WANT(m,AFB_SYSLOG_LEVEL_EMERGENCY)
#define AFB_SYSLOG_MASK_WANT_ALERT(m)		AFB_SYSLOG_MASK_WANT(m,AFB_SYSLOG_LEVEL_ALERT)
#define AFB_SYSLOG_MASK_WANT_CRITICAL(m)	AFB_SYSLOG_MASK_WANT(m,AFB_SYSLOG_LEVEL_CRITICAL)
#define AFB_SYSLOG_MASK_WANT_ERROR(m)		AFB_SYSLOG_MASK_WANT(m,AFB_SYSLOG_LEVEL_ERROR)
#define AFB_SYSLOG_MASK_WANT_WARNING(m)		AFB_SYSLOG_MASK_WANT(m,AFB_SYSLOG_LEVEL_WARNING)
#define AFB_SYSLOG_MASK_WANT_NOTICE(m)		AFB_SYSLOG_MASK_WANT(m,AFB_SYSLOG_LEVEL_NOTICE)
#define AFB_SYSLOG_MASK_WANT_INFO(m)		AFB_SYSLOG_MASK_WANT(m,AFB_SYSLOG_LEVEL_INFO)
#define AFB_SYSLOG_MASK_WANT_DEBUG(m)		AFB_SYSLOG_MASK_WANT(m,AFB_SYSLOG_LEVEL_DEBUG)

/* conversions between the two scales (ERROR is 0 on one, 3 on the other) */
#define AFB_SYSLOG_LEVEL_FROM_VERBOSITY(x)	((x) + (AFB_SYSLOG_LEVEL_ERROR - AFB_VERBOSITY_LEVEL_ERROR))
#define AFB_SYSLOG_LEVEL_TO_VERBOSITY(x)	((x) + (AFB_VERBOSITY_LEVEL_ERROR - AFB_SYSLOG_LEVEL_ERROR))

/* The highest syslog level present in 'mask', 7 at most (0 for an empty mask). */
static inline int _afb_verbomask_to_upper_level_(int mask)
{
	unsigned rest = (unsigned)mask;
	int level = 0;

	while (level < AFB_SYSLOG_LEVEL_DEBUG && (rest >>= 1) != 0)
		level++;
	return level;
}
