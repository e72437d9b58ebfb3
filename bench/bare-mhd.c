/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bare-mhd: the best case libmicrohttpd server for comparisons.
 *
 *   bare-mhd PORT BODY      answers BODY to every request
 *   bare-mhd PORT @FILE     answers the content of FILE
 *
 * One thread, suspend/resume allowed, as afb-daemon, but MHD polls in its
 * own thread (poll(2): see below why not epoll) and one response object,
 * built once, is queued for every request: nothing is computed per request.
 * The headers are those of afb-daemon's api replies. Listens on
 * 127.0.0.1 (PORT 0: ephemeral), prints "port N" on stdout when ready,
 * stops on SIGINT/SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>

static struct MHD_Response *response;

static enum MHD_Result on_access(void *cls, struct MHD_Connection *con, const char *url, const char *method,
				 const char *version, const char *upload_data, size_t *upload_data_size,
				 void **con_cls)
{
	static int seen;

	/*
	 * Answer at the end of the request, not on the first call: MHD closes
	 * the connection after a response queued before the request was read.
	 */
	if (!*con_cls) {
		*con_cls = &seen;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	return MHD_queue_response(con, MHD_HTTP_OK, response);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0
	    && (buf = malloc((size_t)n + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)n, f);
		buf[*len] = 0;
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	struct MHD_Daemon *daemon;
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof sin;
	char *body;
	size_t len;
	sigset_t sigs;
	int sig;

	if (argc != 3) {
		fprintf(stderr, "usage: %s PORT BODY|@FILE\n", argv[0]);
		return 2;
	}
	if (argv[2][0] == '@') {
		body = read_file(argv[2] + 1, &len);
		if (!body) {
			fprintf(stderr, "can't read %s: %s\n", argv[2] + 1, strerror(errno));
			return 1;
		}
	} else {
		body = argv[2];
		len = strlen(body);
	}
	response = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_PERSISTENT);
	if (!response
	    || MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") != MHD_YES
	    || MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache") != MHD_YES)
		return 1;

	/* signals are taken synchronously below, not by MHD's thread */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	sin.sin_port = htons((uint16_t)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/*
	 * poll, not epoll: libmicrohttpd 0.9.75's internal epoll thread
	 * served 175 to 5,100 requests/s to wrk at 128 and 256 connections
	 * (75,000 at 100 and at 1,000); its poll thread serves 77,000 to
	 * 83,000 at each, and the same as epoll at 1 and 16 connections.
	 */
	daemon = MHD_start_daemon(MHD_USE_POLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
				  0, NULL, NULL, on_access, NULL,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
				  MHD_OPTION_CONNECTION_TIMEOUT, 15u,
				  MHD_OPTION_END);
	if (!daemon) {
		fprintf(stderr, "can't start the daemon: %s\n", strerror(errno));
		return 1;
	}
	info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_LISTEN_FD);
	if (info && getsockname(info->listen_fd, (struct sockaddr *)&sin, &slen) == 0)
		printf("port %d\n", ntohs(sin.sin_port));
	fflush(stdout);

	sigwait(&sigs, &sig);
	MHD_stop_daemon(daemon);
	MHD_destroy_response(response);
	return 0;
}
