/* SPDX-License-Identifier: Apache-2.0 */
/* Minimal assertions for the unit tests: a failed check prints and counts. */
#pragma once
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int unit_failures;

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); unit_failures++; } } while (0)
#define CHECK_INT(a, b) do { long long _a = (a), _b = (b); if (_a != _b) { \
	fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, #a, _a, #b, _b); \
	unit_failures++; } } while (0)
#define CHECK_STR(a, b) do { const char *_a = (a), *_b = (b); \
	if (!_a || !_b || strcmp(_a, _b)) { fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", \
	__FILE__, __LINE__, #a, _a ? _a : "(null)", _b ? _b : "(null)"); unit_failures++; } } while (0)
/* Milliseconds of CLOCK_MONOTONIC. */
static inline int64_t unit_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until 'cond' holds, looking every millisecond, for 'ms' milliseconds at most. */
#define UNIT_WAIT(cond, ms) do { int64_t _end = unit_now_ms() + (ms); \
	while (!(cond) && unit_now_ms() < _end) usleep(1000); } while (0)
#define UNIT_END() do { if (unit_failures) fprintf(stderr, "%d check(s) failed\n", unit_failures); \
	return unit_failures ? 1 : 0; } while (0)
