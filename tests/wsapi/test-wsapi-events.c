/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Events, broadcasts and describe across chains of binders, over TCP,
 * abstract sockets and IPv6, and two binders importing each other's apis.
 *
 * Chain (A -> B -> C):
 *	C: hello, auth; exports both on TCP 127.0.0.1 (port 0)
 *	B: imports hello from C (TCP), exports it again on an abstract socket
 *	A: service; imports hello from B (abstract), auth from C (TCP)
 *	P: the test peer, a second client of B
 * Loop (X <-> Y):
 *	X: hello, service; exports hello; imports post from Y
 *	Y: post, service; exports post; imports hello from X
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <json-c/json.h>
#include "pwspeer.h"
#include "wsapi-test.h"

static struct afbt_daemon *A, *B, *C;
static const char *babstract;	/* "@name/hello" */
static int cport, cauthport;

static void start_chain(void)
{
	babstract = afbt_fmt("@afbt-wsapi-%d-%ld/hello", (int)getpid(), (long)(afbt_now() * 1000) % 100000);
	C = wt_start("--binding", afbt_binding("hello"), "--binding", afbt_binding("auth"),
		     "--ws-server", "127.0.0.1:0/hello", "--ws-server", "tcp:127.0.0.1:0/auth", NULL);
	cport = wt_port_of(C, "hello");
	cauthport = wt_port_of(C, "auth");
	B = wt_start("--ws-client", afbt_fmt("127.0.0.1:%d/hello", cport),
		     "--ws-server", afbt_fmt("unix:%s", babstract), NULL);
	A = wt_start("--binding", afbt_test_binding("service"),
		     "--ws-client", afbt_fmt("unix:%s", babstract),
		     "--ws-client", afbt_fmt("tcp:127.0.0.1:%d/auth", cauthport), NULL);
}

static void t_chain_calls(void)
{
	struct afbt_resp *r = wt_get(A, "/api/hello/ping");

	CHECK_STR(afbt_status(r), "success");
	CHECK_STR(afbt_jstr(r, "response.ping"), "pong");
	r = wt_get(A, "/api/hello/pingfail");
	CHECK_STR(afbt_status(r), "failed");
	CHECK_STR(afbt_info(r), "Ping Binder Daemon fails");
	/* the init of service called hello through two links */
	r = wt_get(A, "/api/service/initresult");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.status")), 0);
}

/* pushes reach the subscribers, through two replicas */
static void t_chain_push(void)
{
	struct afbt_resp *r;
	const char *events;

	CHECK_STR(afbt_status(wt_get(A, "/api/hello/eventadd?tag=t1&name=ev1")), "success");
	CHECK_STR(afbt_status(wt_get(A, "/api/hello/eventadd?tag=t2&name=ev2")), "success");
	CHECK_STR(afbt_status(wt_get(A, "/api/service/subscribe?tag=t1")), "success");
	wt_service_events(A);	/* cleared */
	r = wt_get(A, "/api/hello/eventpush?tag=t1&data=%s", afbt_urlencode("{\"n\":1}"));
	CHECK_STR(afbt_status(r), "success");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.count")), 1);	/* B's link */
	/* not subscribed: reaches no one */
	r = wt_get(A, "/api/hello/eventpush?tag=t2&data=2");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.count")), 0);
	events = wt_service_events_until(A, NULL, "\"event\":\"hello/ev1\"", 1, WT_DEADLINE_MS);
	afbt_msleep(200);	/* and no more */
	events = afbt_fmt("%s%s", events, wt_service_events(A));
	CHECK_EQ(wt_count(events, "\"event\":\"hello/ev1\""), 1);
	CHECK_CONTAINS(events, "\"data\":{\"n\":1}");
	CHECK_EQ(wt_count(events, "hello/ev2"), 0);

	/* the event dropped at its source is dropped along the chain */
	CHECK_STR(afbt_status(wt_get(A, "/api/hello/eventdel?tag=t1")), "success");
	CHECK_STR(afbt_status(wt_get(A, "/api/hello/eventadd?tag=t1&name=ev1")), "success");
	r = wt_get(A, "/api/hello/eventpush?tag=t1&data=3");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.count")), 0);
	afbt_msleep(100);
	CHECK_STR(wt_service_events(A), "[]");
}

/* the exact messages a second client of B gets */
static void t_chain_peer_events(void)
{
	struct pwspeer *p = pwspeer_connect(afbt_fmt("unix:%s", babstract));
	struct pws_msg m;
	uint32_t evid;
	struct afbt_resp *r;

	CHECK(p != NULL);
	afbt_keep(p, (void (*)(void *))pwspeer_close);
	CHECK_STR(afbt_status(wt_get(A, "/api/hello/eventadd?tag=p1&name=peer1")), "success");
	CHECK_EQ(pwspeer_call(p, 1, "eventsub", "peer-session", "{\"tag\":\"p1\"}", &m, 5000), 'T');
	CHECK_EQ(pwspeer_pop_other(p, &m), 1);
	CHECK_EQ(m.code, '+');
	CHECK_STR(m.event, "hello/peer1");
	evid = m.eventid;
	CHECK_EQ(pwspeer_pop_other(p, &m), 1);
	CHECK_EQ(m.code, 'S');
	CHECK_EQ(m.callid, 1);
	CHECK_EQ(m.eventid, evid);
	CHECK_EQ(pwspeer_pop_other(p, &m), 0);

	r = wt_get(A, "/api/hello/eventpush?tag=p1&data=%s", afbt_urlencode("[\"x/y\"]"));
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.count")), 1);
	CHECK_EQ(pwspeer_expect(p, PWS_CLIENT, '!', &m, 5000), 1);
	CHECK_EQ(m.eventid, evid);
	CHECK_STR(m.event, "hello/peer1");
	CHECK_STR(json_object_get_string(json_object_array_get_idx(m.json, 0)), "x/y");
	pws_msg_clear(&m);

	CHECK_EQ(pwspeer_call(p, 2, "eventunsub", "peer-session", "{\"tag\":\"p1\"}", &m, 5000), 'T');
	CHECK_EQ(pwspeer_pop_other(p, &m), 1);
	CHECK_EQ(m.code, 'U');
	CHECK_EQ(m.callid, 2);
	CHECK_EQ(pwspeer_pop_other(p, &m), 1);
	CHECK_EQ(m.code, '-');
	CHECK_EQ(m.eventid, evid);

	r = wt_get(A, "/api/hello/eventpush?tag=p1&data=1");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.count")), 0);
	CHECK_EQ(pwspeer_recv(p, PWS_CLIENT, &m, 300), 0);
}

/* a broadcast made at C reaches A once, and P once, with its hops counted */
static void t_chain_broadcast(void)
{
	struct pwspeer *p = pwspeer_connect(afbt_fmt("unix:%s", babstract));
	struct pws_msg m;
	const char *events;

	CHECK(p != NULL);
	afbt_keep(p, (void (*)(void *))pwspeer_close);
	wt_service_events(A);
	CHECK_STR(afbt_status(wt_get(A, "/api/hello/broadcast?name=b1&data=%s", afbt_urlencode("{\"v\":7}"))),
		  "success");
	CHECK_EQ(pwspeer_expect(p, PWS_CLIENT, '*', &m, 5000), 1);
	CHECK_STR(m.event, "hello/b1");
	CHECK_EQ(json_object_get_int(json_object_object_get(m.json, "v")), 7);
	CHECK_EQ(m.has_guard, 1);
	CHECK_EQ(m.hop, 8);	/* 10 at C, sent 9 to B, 8 from B */
	pws_msg_clear(&m);
	events = wt_service_events_until(A, NULL, "hello/b1", 1, WT_DEADLINE_MS);
	/* and no more, to either */
	CHECK_EQ(pwspeer_expect(p, PWS_CLIENT, '*', &m, 200), 0);
	events = afbt_fmt("%s%s", events, wt_service_events(A));
	CHECK_EQ(wt_count(events, "hello/b1"), 1);
}

/* describe through a link (a worker waits for the remote description) and directly */
static void t_describe(void)
{
	struct pwspeer *pb = pwspeer_connect(afbt_fmt("unix:%s", babstract));
	struct pwspeer *pc = pwspeer_connect(afbt_fmt("tcp:127.0.0.1:%d", cport));
	struct pws_buf b;
	struct pws_msg m;
	const char *direct;

	CHECK(pb && pc);
	afbt_keep(pb, (void (*)(void *))pwspeer_close);
	afbt_keep(pc, (void (*)(void *))pwspeer_close);
	pws_buf_init(&b);
	pws_put_describe(&b, 77);
	CHECK_EQ(pwspeer_send(pc, &b), 0);
	CHECK_EQ(pwspeer_expect(pc, PWS_CLIENT, 'd', &m, 5000), 1);
	CHECK_EQ(m.descid, 77);
	CHECK(m.json != NULL);
	direct = pwspeer_json(pc, m.json);
	CHECK_CONTAINS(direct, "\"openapi\"");
	CHECK_CONTAINS(direct, "pingfail");
	pws_msg_clear(&m);

	pws_put_describe(&b, 0xfffffffe);
	CHECK_EQ(pwspeer_send(pb, &b), 0);
	CHECK_EQ(pwspeer_expect(pb, PWS_CLIENT, 'd', &m, 5000), 1);
	CHECK_EQ(m.descid, 0xfffffffe);
	CHECK_STR(pwspeer_json(pb, m.json), direct);
	pws_msg_clear(&m);
}

/* TCP links are not trusted: session flags are refused (docs/proto-ws.md) */
static void t_untrusted(void)
{
	struct afbt_resp *r = wt_get(A, "/api/auth/login");

	CHECK_STR(afbt_status(r), "denied");
	CHECK_STR(afbt_info(r), "invalid token's identity");
}

static int has_ipv6_loopback(void)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_STREAM, 0), ok;

	ok = fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static void t_ipv6(void)
{
	struct afbt_daemon *s, *c;
	struct afbt_resp *r;
	int port;

	if (!has_ipv6_loopback()) {
		afbt_note("SKIP: no IPv6 loopback here");
		return;
	}
	s = wt_start("--binding", afbt_binding("hello"), "--ws-server", "[::1]:0/hello", NULL);
	port = wt_port_of(s, "hello");
	CHECK_CONTAINS(afbt_find_line(afbt_daemon_log(s), "serving api hello", NULL), "[::1]");
	c = wt_start("--ws-client", afbt_fmt("[::1]:%d/hello", port), NULL);
	r = wt_get(c, "/api/hello/ping");
	CHECK_STR(afbt_status(r), "success");
	afbt_daemon_stop(c);
	afbt_daemon_stop(s);
}

/* --ws-server sd:NAME: a socket passed by systemd (played by systemd-socket-activate) */
static void t_systemd(void)
{
	static const char *const tools[] = { "/usr/bin/systemd-socket-activate", "/bin/systemd-socket-activate", NULL };
	const char *tool = NULL, *dir = afbt_tempdir(), *path = afbt_fmt("%s/hello", dir);
	const char *logpath = afbt_fmt("%s/daemon.log", dir), *log;
	struct pwspeer *p = NULL;
	struct pws_msg m;
	int status = -1;
	pid_t pid;

	for (int i = 0; tools[i] && !tool; i++)
		if (access(tools[i], X_OK) == 0)
			tool = tools[i];
	if (!tool) {
		afbt_note("SKIP: no systemd-socket-activate here");
		return;
	}
	pid = fork();
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(tool, tool, "-l", path, "--fdname=hello", afbt_daemon_path(), "--no-httpd",
		      "--workdir", dir, "--binding", afbt_binding("hello"), "--ws-server", "sd:hello", (char *)NULL);
		_exit(127);
	}
	/* the daemon starts on the first connection */
	for (int i = 0; i < 500 && !p; i++) {
		p = pwspeer_connect(afbt_fmt("unix:%s", path));
		if (!p)
			afbt_msleep(10);
	}
	CHECK(p != NULL);
	CHECK_EQ(pwspeer_call(p, 1, "ping", "sd-session", NULL, &m, 10000), 'T');
	CHECK_STR(json_object_get_string(json_object_object_get(m.json, "ping")), "pong");
	pws_msg_clear(&m);
	pwspeer_close(p);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	log = afbt_read_file(logpath, NULL);
	CHECK_CONTAINS(log, "proto-ws: serving api hello on sd:hello");
	CHECK_NOT_CONTAINS(log, "Sanitizer");
	CHECK_NOT_CONTAINS(log, "runtime error");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void stop_chain(void)
{
	afbt_daemon_stop(A);
	afbt_daemon_stop(B);
	afbt_daemon_stop(C);
}

/* ---- X <-> Y ---- */

static void t_loop(void)
{
	const char *xsock = wt_sockpath("hello"), *ysock = wt_sockpath("post");
	struct afbt_daemon *x, *y;
	struct afbt_resp *r;
	const char *ex, *ey;
	double end;

	x = wt_start("--binding", afbt_binding("hello"), "--binding", afbt_test_binding("service"),
		     "--ws-server", afbt_fmt("unix:%s", xsock), "--ws-client", afbt_fmt("unix:%s", ysock), NULL);
	y = wt_start("--binding", afbt_binding("post"), "--binding", afbt_test_binding("service"),
		     "--ws-server", afbt_fmt("unix:%s", ysock), "--ws-client", afbt_fmt("unix:%s", xsock), NULL);
	/* x connects to y on its next call (after a back-off) */
	end = afbt_now() + 5;
	do {
		r = wt_get(x, "/api/post/json");
		if (!afbt_streq(afbt_status(r), "disconnected"))
			break;
		afbt_msleep(50);
	} while (afbt_now() < end);
	CHECK_STR(afbt_status(r), "bad-request");	/* reached post */
	CHECK_STR(afbt_status(wt_get(y, "/api/hello/ping")), "success");
	wt_service_events(x);
	wt_service_events(y);

	/* from x's side, then from y's (where hello is imported: it runs on x) */
	CHECK_STR(afbt_status(wt_get(x, "/api/hello/broadcast?name=loop1&data=1")), "success");
	CHECK_STR(afbt_status(wt_get(y, "/api/hello/broadcast?name=loop2&data=2")), "success");
	ex = wt_service_events_until(x, NULL, "hello/loop1", 1, WT_DEADLINE_MS);
	ex = wt_service_events_until(x, ex, "hello/loop2", 1, WT_DEADLINE_MS);
	ey = wt_service_events_until(y, NULL, "hello/loop1", 1, WT_DEADLINE_MS);
	ey = wt_service_events_until(y, ey, "hello/loop2", 1, WT_DEADLINE_MS);
	CHECK_EQ(wt_count(ex, "hello/loop1"), 1);
	CHECK_EQ(wt_count(ey, "hello/loop1"), 1);
	CHECK_EQ(wt_count(ex, "hello/loop2"), 1);
	CHECK_EQ(wt_count(ey, "hello/loop2"), 1);
	/* and nothing more comes */
	afbt_msleep(300);
	CHECK_STR(wt_service_events(x), "[]");
	CHECK_STR(wt_service_events(y), "[]");
	afbt_daemon_stop(y);
	afbt_daemon_stop(x);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_run("start-chain", start_chain);
	afbt_run("chain-calls", t_chain_calls);
	afbt_run("chain-push", t_chain_push);
	afbt_run("chain-peer-events", t_chain_peer_events);
	afbt_run("chain-broadcast", t_chain_broadcast);
	afbt_run("describe", t_describe);
	afbt_run("untrusted", t_untrusted);
	afbt_run("stop-chain", stop_chain);
	afbt_run("ipv6", t_ipv6);
	afbt_run("systemd", t_systemd);
	afbt_run("loop", t_loop);
	return afbt_done();
}
