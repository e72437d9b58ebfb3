/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness of afb-daemon's command line (binder/main/config.c): the
 * input is the arguments, one a line (at most 64). A bad option makes the
 * parser print a message and exit(2), --help and --version exit(0): this
 * harness defines exit() to jump back, then frees what the parse left
 * (afb_config_parse_abandoned); any other caller of exit gets the real
 * one. Arguments naming --config files are dropped (files are not what is
 * fuzzed here; /dev/zero would never end). A parse that succeeds is dumped
 * as --dump-config does (afb_config_json) and freed.
 * libFuzzer: run with -close_fd_mask=3 (scripts/fuzz does): the parser
 * writes its messages to stdout and stderr. See tests/fuzz/README.md.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "config.h"

#define MAX_ARGS 64

extern int verbosity;

static jmp_buf back;
static int parsing;

void exit(int status)
{
	void (*real)(int);

	if (parsing)
		longjmp(back, 1 + (status & 0xff));
	real = (void (*)(int))dlsym(RTLD_NEXT, "exit");
	real(status);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
#ifndef FUZZ_LIBFUZZER
	/* the driver of the test suite: the parser's messages are noise */
	if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
		abort();
#endif
	return 0;
}

/* 1 for --config (and the abbreviations getopt accepts: --co, --conf=...) */
static int names_config(const char *arg)
{
	size_t n = strcspn(arg, "=");

	return n >= 4 && n <= 8 && !strncmp(arg, "--config", n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *line, *save = NULL;
	char *argv[MAX_ARGS + 2];
	int argc = 0, saved_verbosity = verbosity;
	struct afb_config *volatile config = NULL;
	struct json_object *json;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	argv[argc++] = "afb-daemon";
	for (line = strtok_r(text, "\n", &save); line && argc <= MAX_ARGS; line = strtok_r(NULL, "\n", &save))
		if (!names_config(line))
			argv[argc++] = line;
	argv[argc] = NULL;
	parsing = 1;
	if (!setjmp(back))
		config = afb_config_parse(argc, argv);
	parsing = 0;
	if (config) {
		json = afb_config_json(config);
		if (!json)
			abort();
		json_object_put(json);
		afb_config_free(config);
	} else {
		afb_config_parse_abandoned();
	}
	verbosity = saved_verbosity;
	free(text);
	return 0;
}
