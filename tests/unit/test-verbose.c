/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rate limit per call site (verbose.h, LOGW_LIMITED): a flood
 * from one site writes VERBOSE_SITE_BURST lines a second, then one line
 * counting what was suppressed; other sites are not affected.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "verbose.h"
#include "unit.h"

static int count_lines(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void flood(int n)
{
	for (int i = 0; i < n; i++)
		LOGW_LIMITED("peer %d left with calls pending", i);
}

static void wait_next_second(void)
{
	struct timespec now, start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec == start.tv_sec);
}

static void other_site(void)
{
	LOGW_LIMITED("another site");
}

int main(void)
{
	char path[] = "/tmp/afb-test-verbose-XXXXXX", text[65536];
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t len;

	/* the flood starts a second of CLOCK_MONOTONIC (the limiter's clock),
	 * so that it fits in one even when a slow build runs it */
	wait_next_second();
	/* stderr goes to a file for the time of the test */
	dup2(fd, STDERR_FILENO);
	flood(100);
	other_site();
	/* the next second: the count of the suppressed comes first */
	sleep(1);
	flood(1);
	dup2(saved, STDERR_FILENO);
	lseek(fd, 0, SEEK_SET);
	len = read(fd, text, sizeof text - 1);
	text[len > 0 ? len : 0] = 0;
	close(fd);
	unlink(path);

	CHECK_INT(count_lines(text, "left with calls pending"), VERBOSE_SITE_BURST + 1);
	CHECK_INT(count_lines(text, "another site"), 1);
	CHECK_INT(count_lines(text, "90 more messages suppressed"), 1);
	CHECK(strstr(text, "test-verbose.c") != NULL);
	/* the report comes right before the message that follows the flood */
	{
		const char *report = strstr(text, "90 more messages suppressed"), *last = NULL, *p;

		for (p = text; (p = strstr(p, "peer 0 left")) != NULL; p++)
			last = p;
		CHECK(report && last && report < last && last > strstr(text, "another site"));
	}
	if (unit_failures)
		fputs(text, stderr);
	UNIT_END();
}
