/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Static files. Containment relies on the kernel: every open resolves the
 * path beneath the root's directory fd with openat2(RESOLVE_BENEATH), so
 * neither ".." nor a symlink can lead outside the root, whatever races
 * happen on the file system. Kernels without openat2 get a realpath check
 * after the open. ".." components are refused upfront anyway, because
 * MHD has already decoded "%2e%2e" into "..".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>

#include "files.h"
#include "hsrv-internal.h"
#include "mime.h"
#include "verbose.h"

struct files_root {
	struct files_root *next;
	int dirfd;		/* O_PATH directory */
	char *realdir;		/* canonical path, for the fallback check */
	char *prefix;		/* URL prefix, no trailing '/' */
	size_t prefix_len;
	int strict;
	char cache_control[32];	/* "max-age=N" */
};

/* 1 while openat2 works, 0 after it said ENOSYS */
static int have_openat2 = 1;

int files_root_new(struct files_root **out, int basefd, const char *dir, const char *prefix,
		   int strict, int cache_eol)
{
	struct files_root *root;
	char *real, proc[64];
	size_t len;
	int fd;

	fd = openat(basefd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* the canonical path of what was opened, relative to basefd or not */
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	real = realpath(proc, NULL);
	root = calloc(1, sizeof *root);
	len = strlen(prefix);
	while (len && prefix[len - 1] == '/')
		len--;
	if (!root || !real || !(root->prefix = strndup(prefix, len))) {
		int rc = real ? -ENOMEM : -errno;
		free(root);
		free(real);
		close(fd);
		return rc;
	}
	root->dirfd = fd;
	root->realdir = real;
	root->prefix_len = len;
	root->strict = strict;
	snprintf(root->cache_control, sizeof root->cache_control, "max-age=%d", cache_eol);
	*out = root;
	return 0;
}

void files_root_free(struct files_root *root)
{
	struct files_root *next;

	for (; root; root = next) {
		next = root->next;
		close(root->dirfd);
		free(root->realdir);
		free(root->prefix);
		free(root);
	}
}

void files_root_set_next(struct files_root *root, struct files_root *next)
{
	root->next = next;
}

struct files_root *files_root_next(struct files_root *root)
{
	return root->next;
}

/* Fallback containment check: is the opened 'fd' under root->realdir? */
static int is_beneath(struct files_root *root, int fd)
{
	char proc[64], *real;
	size_t len = strlen(root->realdir);
	int ok;

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	real = realpath(proc, NULL);
	if (!real)
		return 0;
	ok = !strncmp(real, root->realdir, len)
	     && (real[len] == '/' || real[len] == 0 || (len == 1 && root->realdir[0] == '/'));
	free(real);
	return ok;
}

/* Opens 'path' (relative) beneath the root. Returns a fd or -errno (-EXDEV: escape). */
static int open_beneath(struct files_root *root, const char *path)
{
	/* O_NONBLOCK: a FIFO in the tree must not freeze the server */
	const int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	int fd;

	if (have_openat2) {
		struct open_how how = {
			.flags = flags,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
		};
		fd = (int)syscall(SYS_openat2, root->dirfd, path, &how, sizeof how);
		if (fd >= 0 || errno != ENOSYS)
			return fd >= 0 ? fd : -errno;
		have_openat2 = 0;
	}
	fd = openat(root->dirfd, path, flags);
	if (fd < 0)
		return -errno;
	if (!is_beneath(root, fd)) {
		close(fd);
		return -EXDEV;
	}
	return fd;
}

/* 1 when one segment of 'path' is "..". */
static int has_dotdot(const char *path)
{
	const char *p = path;

	for (;;) {
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == 0))
			return 1;
		p = strchr(p, '/');
		if (!p)
			return 0;
		p++;
	}
}

/* Characters kept as is in a redirected path (RFC 3986 pchar and '/'). */
static int path_keeps(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
	       || strchr("-._~!$&'()*+,;=:@/", c);
}

/* Characters kept as is in a query key or value. */
static int query_keeps(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
	       || strchr("-._~!$'()*,;:@/?", c);
}

static void put_escaped(FILE *f, const char *s, size_t len, int (*keeps)(unsigned char))
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c && keeps(c))
			fputc(c, f);
		else
			fprintf(f, "%%%02X", c);
	}
}

static enum MHD_Result put_query_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
				     const char *value, size_t value_size)
{
	FILE *f = cls;

	/* the first write after the path is '?', then '&' */
	fputc(ftell(f) ? '&' : '?', f);
	put_escaped(f, key, key_size, query_keeps);
	if (value) {
		fputc('=', f);
		put_escaped(f, value, value_size, query_keeps);
	}
	return MHD_YES;
}

/* 301 to 'url' + "/" with the query string rebuilt. */
static int redirect_dir(struct MHD_Connection *con, const char *url)
{
	char *location = NULL, *query = NULL;
	size_t size = 0, qsize = 0;
	FILE *f;
	int rc;

	/* the query is built apart so that its first separator is '?' */
	f = open_memstream(&query, &qsize);
	if (!f)
		return -ENOMEM;
	MHD_get_connection_values_n(con, MHD_GET_ARGUMENT_KIND, put_query_arg, f);
	if (fclose(f))
		return -ENOMEM;
	f = open_memstream(&location, &size);
	if (!f) {
		free(query);
		return -ENOMEM;
	}
	put_escaped(f, url, strlen(url), path_keeps);
	fputc('/', f);
	fputs(query, f);
	free(query);
	if (fclose(f))
		return -ENOMEM;
	rc = hsrv_queue_simple(con, MHD_HTTP_MOVED_PERMANENTLY, NULL, MHD_HTTP_HEADER_LOCATION, location)
		     == MHD_YES ? 1 : -EIO;
	free(location);
	return rc;
}

/* 1 when 'etag' is in the If-None-Match list of the request (or it is "*"). */
static int etag_matches(struct MHD_Connection *con, const char *etag)
{
	const char *inm = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	size_t elen = strlen(etag), n;

	if (!inm)
		return 0;
	while (*inm) {
		while (*inm == ' ' || *inm == '\t' || *inm == ',')
			inm++;
		if (*inm == '*')
			return 1;
		/* If-None-Match compares weakly: W/"x" matches "x" */
		if (inm[0] == 'W' && inm[1] == '/')
			inm += 2;
		n = strcspn(inm, ", \t");
		if (n == elen && !memcmp(inm, etag, n))
			return 1;
		inm += n;
	}
	return 0;
}

static int add_cache_headers(struct files_root *root, struct MHD_Response *resp, const char *etag)
{
	return MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, root->cache_control) == MHD_YES
	       && MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag) == MHD_YES;
}

/* Queues the regular file 'fd' (consumed) found at 'path'. */
static int send_file(struct files_root *root, struct MHD_Connection *con, int fd, const struct stat *st,
		     const char *path)
{
	struct MHD_Response *resp;
	char etag[24];
	unsigned code = MHD_HTTP_OK;
	enum MHD_Result ret;

	/* strong validator: changes when the file is rewritten (mtime) or resized */
	snprintf(etag, sizeof etag, "\"%08" PRIX32 "%08" PRIX32 "\"",
		 (uint32_t)st->st_mtim.tv_sec ^ (uint32_t)st->st_mtim.tv_nsec, (uint32_t)st->st_size);
	if (etag_matches(con, etag)) {
		close(fd);
		code = MHD_HTTP_NOT_MODIFIED;
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	} else if (st->st_size == 0) {
		close(fd);
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	} else {
		/* MHD owns the fd from here, even on failure */
		resp = MHD_create_response_from_fd64((uint64_t)st->st_size, fd);
	}
	if (!resp)
		return -ENOMEM;
	if (!add_cache_headers(root, resp, etag)
	    || (code == MHD_HTTP_OK
		&& MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, mime_type(path)) != MHD_YES)) {
		MHD_destroy_response(resp);
		return -ENOMEM;
	}
	ret = MHD_queue_response(con, code, resp);
	MHD_destroy_response(resp);
	return ret == MHD_YES ? 1 : -EIO;
}

/* Missing file: 404 for a strict root, else not handled. */
static int not_found(struct files_root *root, struct MHD_Connection *con)
{
	if (!root->strict)
		return 0;
	return hsrv_queue_simple(con, MHD_HTTP_NOT_FOUND, "Not Found\n", NULL, NULL) == MHD_YES ? 1 : -EIO;
}

/* Maps an open error to a reply. */
static int open_failed(struct files_root *root, struct MHD_Connection *con, int err)
{
	unsigned code;

	switch (err) {
	case -ENOENT:
	case -ENOTDIR:
	case -ENAMETOOLONG:
		return not_found(root, con);
	case -EXDEV:	/* outside the root */
	case -ELOOP:
	case -EACCES:
	case -EPERM:
		code = MHD_HTTP_FORBIDDEN;
		break;
	default:
		LOGW("http: can't open a static file: %s", strerror(-err));
		code = MHD_HTTP_INTERNAL_SERVER_ERROR;
		break;
	}
	return hsrv_queue_simple(con, code, NULL, NULL, NULL) == MHD_YES ? 1 : -EIO;
}

int files_serve(struct files_root *root, struct MHD_Connection *con, const char *url, const char *method)
{
	const char *tail, *rel;
	char *index = NULL;
	struct stat st;
	int fd, rc;

	tail = hsrv_match_prefix(url, root->prefix, root->prefix_len);
	if (!tail)
		return 0;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		if (!root->strict)
			return 0;
		return hsrv_queue_simple(con, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, MHD_HTTP_HEADER_ALLOW,
					 "GET, HEAD") == MHD_YES ? 1 : -EIO;
	}
	for (rel = tail; *rel == '/'; rel++);
	if (has_dotdot(rel))
		return hsrv_queue_simple(con, MHD_HTTP_FORBIDDEN, NULL, NULL, NULL) == MHD_YES ? 1 : -EIO;
	if (!*rel)
		rel = ".";

	fd = open_beneath(root, rel);
	if (fd < 0)
		return open_failed(root, con, fd);
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		close(fd);
		return open_failed(root, con, rc);
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		if (url[strlen(url) - 1] != '/')
			return redirect_dir(con, url);
		if (asprintf(&index, "%s/index.html", rel) < 0)
			return -ENOMEM;
		fd = open_beneath(root, index);
		if (fd >= 0 && fstat(fd, &st) < 0) {
			rc = -errno;
			close(fd);
			fd = rc;
		}
		if (fd < 0) {
			free(index);
			return open_failed(root, con, fd);
		}
		rel = index;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		free(index);
		return open_failed(root, con, -EACCES);
	}
	rc = send_file(root, con, fd, &st, rel);
	free(index);
	return rc;
}
