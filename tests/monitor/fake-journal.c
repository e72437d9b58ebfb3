/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stand-in for sd_journal_send (and sd_journal_send_with_location,
 * which the header's sd_journal_send macro calls), LD_PRELOADed into the daemon by
 * test-monitor-logs.py: each call appends its fields, one "KEY=value"
 * per line and an empty line after them, to the file $FAKE_JOURNAL.
 * It formats the conversions the daemon's log uses (%s, %d, %u, %lld
 * with flags and width, %%) and consumes the arguments as libsystemd
 * does: each field's format takes its own arguments, then comes the
 * next field's format, until NULL.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t format_field(char *out, size_t size, const char *fmt, va_list *ap)
{
	char spec[32];
	size_t n = 0, s;
	const char *p;
	int w;

	for (p = fmt; *p && n + 1 < size; p++) {
		if (*p != '%') {
			out[n++] = *p;
			continue;
		}
		if (p[1] == '%') {
			out[n++] = '%';
			p++;
			continue;
		}
		/* copy "%[flags][width][ll]conv" */
		s = 0;
		spec[s++] = *p++;
		while (*p && strchr("-0 +#123456789", *p) && s < sizeof spec - 4)
			spec[s++] = *p++;
		while (*p == 'l' && s < sizeof spec - 3)
			spec[s++] = *p++;
		spec[s++] = *p;
		spec[s] = 0;
		if (*p == 's')
			w = snprintf(out + n, size - n, spec, va_arg(*ap, const char *));
		else if (spec[s - 2] == 'l')
			w = snprintf(out + n, size - n, spec, va_arg(*ap, long long));
		else
			w = snprintf(out + n, size - n, spec, va_arg(*ap, int));
		if (w > 0)
			n += (size_t)w < size - n ? (size_t)w : size - n - 1;
		if (!*p)
			break;
	}
	out[n] = 0;
	return n;
}

static int record(const char *file, const char *line, const char *func, const char *format, va_list *ap)
{
	char buf[16384];
	size_t n = 0;
	const char *path = getenv("FAKE_JOURNAL"), *f;
	int fd;

	if (file)
		n += (size_t)snprintf(buf, sizeof buf / 2, "%s\n%s\nCODE_FUNC=%s\n", file, line, func);
	for (f = format; f && n + 2 < sizeof buf; f = va_arg(*ap, const char *)) {
		n += format_field(buf + n, sizeof buf - n - 1, f, ap);
		buf[n++] = '\n';
	}
	buf[n++] = '\n';
	fd = path ? open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600) : -1;
	if (fd < 0)
		return -1;
	if (write(fd, buf, n) < 0)
		n = 0;
	close(fd);
	return 0;
}

int sd_journal_send(const char *format, ...)
{
	va_list ap;
	int rc;

	va_start(ap, format);
	rc = record(NULL, NULL, NULL, format, &ap);
	va_end(ap);
	return rc;
}

/* what <systemd/sd-journal.h> makes of sd_journal_send(...): the call site first */
int sd_journal_send_with_location(const char *file, const char *line, const char *func, const char *format, ...)
{
	va_list ap;
	int rc;

	va_start(ap, format);
	rc = record(file, line, func, format, &ap);
	va_end(ap);
	return rc;
}
