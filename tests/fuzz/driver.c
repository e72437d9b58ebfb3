/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The driver of the fuzz harnesses when they are not built for libFuzzer
 * (gcc, the test suite): a deterministic, dependency-free stand-in.
 *
 *	fuzz-NAME [-n ITERATIONS] [-s SEED] CORPUS_DIR_OR_FILE...
 *
 * Runs every file of the corpus, then ITERATIONS inputs made by mutating
 * them (bit flips, interesting bytes, insertions, deletions, truncations,
 * splices of two entries). A harness may define fuzz_selftest(), run
 * first (properties that need no input), and LLVMFuzzerInitialize(), as
 * with libFuzzer. A failure is an abort (a harness property, a sanitizer).
 * The coverage-guided runs are scripts/fuzz's (clang, libFuzzer).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
void fuzz_selftest(void) __attribute__((weak));

#define FUZZ_MAX_INPUT (128 * 1024)

struct entry {
	uint8_t *data;
	size_t len;
};

static struct entry *corpus;
static size_t count, cap;
static uint64_t state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static void add_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(FUZZ_MAX_INPUT);
	size_t n;

	if (!f || !buf) {
		perror(path);
		exit(2);
	}
	n = fread(buf, 1, FUZZ_MAX_INPUT, f);
	fclose(f);
	if (count == cap) {
		cap = cap ? 2 * cap : 64;
		corpus = realloc(corpus, cap * sizeof *corpus);
		if (!corpus)
			exit(2);
	}
	corpus[count].data = buf;
	corpus[count++].len = n;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_path(const char *path)
{
	struct stat st;
	struct dirent *e;
	char **names = NULL, *full;
	size_t n = 0, i;
	DIR *dir;

	if (stat(path, &st) < 0) {
		perror(path);
		exit(2);
	}
	if (!S_ISDIR(st.st_mode)) {
		add_file(path);
		return;
	}
	dir = opendir(path);
	while (dir && (e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof *names);
		names[n++] = strdup(e->d_name);
	}
	if (dir)
		closedir(dir);
	/* sorted: the runs are the same everywhere */
	qsort(names, n, sizeof *names, by_name);
	for (i = 0; i < n; i++) {
		if (asprintf(&full, "%s/%s", path, names[i]) < 0)
			exit(2);
		add_file(full);
		free(full);
		free(names[i]);
	}
	free(names);
}

static size_t mutate(uint8_t *buf, size_t len)
{
	static const uint8_t special[] = { 0, 0xff, 0x7f, 0x80, 0x7e, 0xc3, 0xed, 0xf4, '"', '\\', '{', '[', '&',
					   '=', '%', '\n', '\r', ':', ';', '-' };
	int n = 1 + (int)(rnd() % 8);
	size_t pos, m;
	struct entry *other;

	while (n--) {
		pos = len ? rnd() % len : 0;
		switch (rnd() % 7) {
		case 0:
			if (len)
				buf[pos] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 1:
			if (len)
				buf[pos] = (uint8_t)rnd();
			break;
		case 2:
			if (len)
				buf[pos] = special[rnd() % sizeof special];
			break;
		case 3:
			if (len < FUZZ_MAX_INPUT) {
				memmove(buf + pos + 1, buf + pos, len - pos);
				buf[pos] = special[rnd() % sizeof special];
				len++;
			}
			break;
		case 4:
			if (len) {
				memmove(buf + pos, buf + pos + 1, len - pos - 1);
				len--;
			}
			break;
		case 5:
			len = pos;
			break;
		default:
			other = &corpus[rnd() % count];
			m = other->len < FUZZ_MAX_INPUT - pos ? other->len : FUZZ_MAX_INPUT - pos;
			m = m ? rnd() % (m + 1) : 0;
			memcpy(buf + pos, other->data + (other->len > m ? rnd() % (other->len - m + 1) : 0), m);
			if (pos + m > len)
				len = pos + m;
			break;
		}
	}
	return len;
}

int main(int argc, char **argv)
{
	static uint8_t buf[FUZZ_MAX_INPUT];
	long iterations = 10000, i;
	size_t k;
	int a;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-n") && a + 1 < argc)
			iterations = atol(argv[++a]);
		else if (!strcmp(argv[a], "-s") && a + 1 < argc)
			state = strtoull(argv[++a], NULL, 0) | 1;
		else
			add_path(argv[a]);
	}
	if (fuzz_selftest)
		fuzz_selftest();
	for (k = 0; k < count; k++)
		LLVMFuzzerTestOneInput(corpus[k].data, corpus[k].len);
	for (i = 0; count && i < iterations; i++) {
		struct entry *e = &corpus[rnd() % count];
		size_t len = e->len;

		memcpy(buf, e->data, len);
		len = mutate(buf, len);
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("%zu corpus entries, %ld mutations: ok\n", count, count ? iterations : 0);
	for (k = 0; k < count; k++)
		free(corpus[k].data);
	free(corpus);
	return 0;
}
