/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness of the D-Bus bridge's readers of client input
 * (dbus-bridge/): the JSON arguments of org.afb.Api1 and of the per-api
 * methods (dbus_json_parse), the typed mapping (dbus_typed_append of a
 * JSON value under a signature, then dbus_typed_read of what was built,
 * as a typed method call is read), and the naming rule.
 *
 * Input: "SIGNATURE\0JSON" (a missing NUL: the whole input is the JSON,
 * the signature "v"). Messages are built on a bus that is not connected
 * (a socket pair, never authenticated): sd-bus builds and seals them.
 * Properties: the naming rule is invertible and its labels are valid
 * D-Bus names; a value appended under "v" reads back equal (the generic
 * mapping is lossless, for text a D-Bus string can hold: no U+0000, no
 * noncharacter, see dbus-typed.h); nothing read is invalid UTF-8.
 * See tests/fuzz/README.md.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <json-c/json.h>
#include <systemd/sd-bus.h>

#include "dbus-json.h"
#include "dbus-name.h"
#include "dbus-text.h"
#include "dbus-typed.h"
#include "fuzz-util.h"
#include "utf8.h"

static sd_bus *bus;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int sv[2];

	/* a bus that is "open" for sd-bus (it authenticates), never used for I/O */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || sd_bus_new(&bus) < 0
	    || sd_bus_set_fd(bus, sv[0], sv[0]) < 0 || sd_bus_start(bus) < 0)
		abort();
	return 0;
}

static void names(const char *s)
{
	char *label = dbus_name_escape(s), *back;
	const char *p;

	if (!label)
		return;
	for (p = label; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
			abort();
	back = dbus_name_unescape(label);
	if (!back || strcmp(back, s))
		abort();
	free(back);
	free(label);
	free(dbus_name_unescape(s));
	free(dbus_name_error_of_status(s));
	free(dbus_name_path_of_api(s));
}

static void typed(const char *sig, struct json_object *value)
{
	sd_bus_message *m = NULL;
	struct json_object *back = NULL;
	size_t budget = 1 << 20;
	int rc;

	if (!dbus_typed_type_len(sig) || sig[dbus_typed_type_len(sig)])
		return;		/* one single complete type */
	if (sd_bus_message_new_method_call(bus, &m, "org.afb.fuzz", "/fuzz", "org.afb.fuzz", "M") < 0)
		return;
	rc = dbus_typed_append(m, sig, value, 0);
	if (rc >= 0 && sd_bus_message_seal(m, 1, 0) >= 0 && sd_bus_message_rewind(m, 1) >= 0) {
		rc = dbus_typed_read(m, &back, &budget);
		if (rc >= 0) {
			fuzz_check_utf8(back);
			/*
			 * The generic mapping is lossless for text that D-Bus strings can
			 * hold (dbus-typed.h: bad UTF-8 is repaired, and keys with
			 * U+0000 or noncharacters are written with U+FFFD).
			 */
			if (!strcmp(sig, "v") && !json_object_equal(back, value)) {
				const char *t = json_object_to_json_string(value);
				if (dbus_text_kind(t, strlen(t)) == DBUS_TEXT_STRING)
					abort();
			}
		}
		json_object_put(back);
	}
	sd_bus_message_unref(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	const char *sig = "v", *json;
	struct json_object *value = NULL;
	size_t n;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	n = strlen(text);
	json = text;
	if (n < size) {
		sig = text;
		json = text + n + 1;
	}
	names(json);
	if (dbus_json_parse(json, &value) == 0) {
		fuzz_check_utf8(value);
		typed(sig, value);
		json_object_put(value);
	}
	free(text);
	return 0;
}
