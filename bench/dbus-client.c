/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dbus-client: round trips per second of calls of VERB through the user
 * bus, from one sd-bus connection, with 'inflight' calls outstanding (1:
 * sequential).
 *
 *   dbus-client BUSNAME VERB SECONDS INFLIGHT [json|typed]
 *
 * json (default): org.afb.Api1.Call(s VERB, s "{}") -> (s, s);
 * typed: the method VERB of the typed interface org.afb.typed.<API>,
 * without arguments (hello/ping: ping() -> (s ping, s info)).
 * Prints "<calls per second> <calls> <errors>". Every reply is checked to
 * be a method return of signature "ss".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-bus.h>

static sd_bus *bus;
static const char *dest, *verb;
static char path[256], typed_itf[256];
static int typed;
static long done, errors, outstanding;
static double end_at;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int send_one(void);

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	outstanding--;
	if (sd_bus_message_is_method_error(m, NULL) || strcmp(sd_bus_message_get_signature(m, 1) ?: "", "ss"))
		errors++;
	else
		done++;
	if (now() < end_at)
		return send_one();
	return 0;
}

static int send_one(void)
{
	int rc = typed ? sd_bus_call_method_async(bus, NULL, dest, path, typed_itf, verb, on_reply, NULL, NULL)
		: sd_bus_call_method_async(bus, NULL, dest, path, "org.afb.Api1", "Call", on_reply, NULL,
					   "ss", verb, "{}");

	if (rc >= 0)
		outstanding++;
	return rc;
}

int main(int argc, char **argv)
{
	double seconds, start;
	long inflight, i;
	int rc;

	if ((argc != 5 && argc != 6) || (argc == 6 && strcmp(argv[5], "json") && strcmp(argv[5], "typed"))) {
		fprintf(stderr, "usage: dbus-client BUSNAME VERB SECONDS INFLIGHT [json|typed]\n");
		return 2;
	}
	typed = argc == 6 && !strcmp(argv[5], "typed");
	dest = argv[1];
	verb = argv[2];
	seconds = atof(argv[3]);
	inflight = atol(argv[4]);
	snprintf(path, sizeof path, "/org/afb/api/%s", strrchr(dest, '.') + 1);
	snprintf(typed_itf, sizeof typed_itf, "org.afb.typed.%s", strrchr(dest, '.') + 1);
	rc = sd_bus_open_user(&bus);
	if (rc < 0) {
		fprintf(stderr, "dbus-client: %s\n", strerror(-rc));
		return 1;
	}
	start = now();
	end_at = start + seconds;
	for (i = 0; i < inflight && rc >= 0; i++)
		rc = send_one();
	while (rc >= 0 && outstanding > 0) {
		rc = sd_bus_process(bus, NULL);
		if (rc == 0)
			rc = sd_bus_wait(bus, (uint64_t)-1);
	}
	if (rc < 0) {
		fprintf(stderr, "dbus-client: %s\n", strerror(-rc));
		return 1;
	}
	printf("%.0f %ld %ld\n", (double)done / (now() - start), done, errors);
	sd_bus_flush_close_unref(bus);
	return errors ? 1 : 0;
}
