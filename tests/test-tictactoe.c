/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tictactoe sample over HTTP, with two sessions sharing a board.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <json-c/json.h>

#include "afbtest.h"

#define TOKEN "ttt-token"

static struct afbt_daemon *D;
static struct afbt_client *A, *B;
static int board_id;

static int jint(struct afbt_resp *r, const char *path)
{
	struct json_object *o = afbt_json(r, path);

	if (!json_object_is_type(o, json_type_int))
		afbt_fail("%s is not an integer in %s", path, afbt_describe(r));
	return json_object_get_int(o);
}

static const char *cell(struct afbt_resp *r, int i)
{
	return afbt_jstr(r, afbt_fmt("response.board.%d", i));
}

static void t_new(void)
{
	struct afbt_resp *r = afbt_get(D, A, "/api/tictactoe/new");

	CHECK_REPLY(r, 200, "success");
	board_id = jint(r, "response.boardid");
	CHECK(board_id > 0);
	CHECK_EQ(jint(r, "response.moves"), 0);
	CHECK_EQ(jint(r, "response.level"), 1);
	CHECK_STR(afbt_jstr(r, "response.state"), "playing");
	CHECK_STR(afbt_jstr(r, "response.next"), "X");
	CHECK_EQ(json_object_array_length(afbt_json(r, "response.board")), 9);
	for (int i = 0; i < 9; i++)
		CHECK_STR(cell(r, i), " ");
}

static void t_board(void)
{
	struct afbt_resp *r = afbt_get(D, A, "/api/TicTacToe/Board");

	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(jint(r, "response.boardid"), board_id);
	/* another session has another board */
	r = afbt_get(D, afbt_client_new(), "/api/tictactoe/board");
	CHECK_REPLY(r, 200, "success");
	CHECK(jint(r, "response.boardid") != board_id);
}

static void t_move(void)
{
	struct afbt_resp *r = afbt_get(D, A, "/api/tictactoe/move?index=4");

	CHECK_REPLY(r, 200, "success");
	CHECK_STR(cell(r, 4), "X");
	CHECK_EQ(jint(r, "response.moves"), 1);
	CHECK_STR(afbt_jstr(r, "response.next"), "O");
	CHECK_STR(afbt_jstr(r, "response.history"), "[4]");

	r = afbt_get(D, A, "/api/tictactoe/move?index=4");
	CHECK_REPLY(r, 500, "error");
	CHECK_CONTAINS(afbt_info(r), "not empty");
	CHECK_REPLY(afbt_get(D, A, "/api/tictactoe/move?index=9"), 500, "invalid-request");
	CHECK_REPLY(afbt_get(D, A, "/api/tictactoe/move"), 500, "invalid-request");
}

static void t_play(void)
{
	struct afbt_resp *r = afbt_get(D, A, "/api/tictactoe/play");
	int count_o = 0;

	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(jint(r, "response.moves"), 2);
	for (int i = 0; i < 9; i++)
		count_o += afbt_streq(cell(r, i), "O");
	CHECK_EQ(count_o, 1);
	CHECK_STR(afbt_jstr(r, "response.next"), "X");
}

static void t_level(void)
{
	struct afbt_resp *r = afbt_get(D, A, "/api/tictactoe/level?level=3");

	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(jint(r, "response.level"), 3);
	CHECK_REPLY(afbt_get(D, A, "/api/tictactoe/level?level=11"), 500, "invalid-request");
	CHECK_REPLY(afbt_get(D, A, "/api/tictactoe/level?level=x"), 500, "invalid-request");
	r = afbt_get(D, A, "/api/tictactoe/board");
	CHECK_EQ(jint(r, "response.level"), 3);
}

static void t_undo(void)
{
	struct afbt_resp *r = afbt_get(D, A, "/api/tictactoe/undo");

	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(jint(r, "response.moves"), 1);
	CHECK_STR(afbt_jstr(r, "response.next"), "O");
	r = afbt_get(D, A, "/api/tictactoe/undo");
	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(jint(r, "response.moves"), 0);
	CHECK_REPLY(afbt_get(D, A, "/api/tictactoe/undo"), 500, "error");
}

static void t_join(void)
{
	struct afbt_resp *r;

	B = afbt_client_new();
	CHECK_REPLY(afbt_get(D, B, "/api/tictactoe/join?boardid=%d", board_id), 401, "denied");
	CHECK_REPLY(afbt_get(D, B, "/api/tictactoe/join?boardid=999999&token=" TOKEN), 500, "error");
	r = afbt_get(D, B, "/api/tictactoe/join?boardid=%d&token=" TOKEN, board_id);
	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(jint(r, "response.boardid"), board_id);
	r = afbt_get(D, B, "/api/tictactoe/board");
	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(jint(r, "response.boardid"), board_id);
	/* a move of B is seen by A */
	CHECK_REPLY(afbt_get(D, B, "/api/tictactoe/move?index=0"), 200, "success");
	r = afbt_get(D, A, "/api/tictactoe/board");
	CHECK_STR(cell(r, 0), "X");
}

struct waiter {
	pthread_t tid;
	atomic_int done;
	struct afbt_resp *resp;
};

static void *wait_run(void *arg)
{
	struct waiter *w = arg;

	w->resp = afbt_get(D, A, "/api/tictactoe/wait");
	atomic_store(&w->done, 1);
	return NULL;
}

/* polls until w is done; 1 when done */
static int wait_done(struct waiter *w, long timeout_ms)
{
	double end = afbt_now() + timeout_ms / 1000.0;

	while (!atomic_load(&w->done) && afbt_now() < end)
		afbt_msleep(10);
	return atomic_load(&w->done);
}

static void t_wait(void)
{
	static struct waiter w;	/* static: the thread may outlive a failed check */
	int cells[] = { 8, 2, 6 };
	const char *line;

	CHECK_EQ(pthread_create(&w.tid, NULL, wait_run, &w), 0);
	/* the binding logs when the wait is registered (-v: info) */
	line = afbt_daemon_wait_log(D, 5000, "method 'wait' called", NULL);
	if (!line) {
		pthread_detach(w.tid);
		afbt_fail("the wait request did not reach the binding");
	}
	/* B moves; retried in case the move raced the registration */
	for (int i = 0; i < 3 && !atomic_load(&w.done); i++) {
		CHECK_REPLY(afbt_get(D, B, "/api/tictactoe/move?index=%d", cells[i]), 200, "success");
		wait_done(&w, 2000);
	}
	if (!atomic_load(&w.done)) {
		pthread_detach(w.tid);
		afbt_fail("tictactoe/wait was not answered by the moves");
	}
	pthread_join(w.tid, NULL);
	CHECK_REPLY(w.resp, 200, "success");
	CHECK_STR(afbt_info(w.resp), "move");
	CHECK_EQ(jint(w.resp, "response.boardid"), board_id);
	CHECK_STR(cell(w.resp, 8), "O");
}

static void t_stop(void)
{
	afbt_daemon_stop(D);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	D = afbt_daemon_start("-v", "--token", TOKEN, "--binding", afbt_binding("tictactoe"), NULL);
	A = afbt_client_new();

	afbt_run("new", t_new);
	afbt_run("board", t_board);
	afbt_run("move", t_move);
	afbt_run("play", t_play);
	afbt_run("level", t_level);
	afbt_run("undo", t_undo);
	afbt_run("join", t_join);
	afbt_run("wait", t_wait);
	afbt_run("stop", t_stop);
	return afbt_done();
}
