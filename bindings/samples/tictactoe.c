/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tictactoe: the tic-tac-toe game of the binding document.
 *
 * Each session has a board, stored as the session context of the api
 * (afb_req_context). Boards are counted: a session joining the board of
 * another session (verb join) shares it, and a board is freed when no
 * session and no waiting request uses it anymore.
 *
 * Every change of a board is broadcast as the event "tictactoe/<reason>"
 * (reason: new, play, move, level, join, undo) with the description of the
 * board, and replies to the requests waiting for a change (verb wait).
 *
 * The cells are numbered 0..8, row by row. 'X' always plays first.
 *
 * Threading: verbs run concurrently on worker threads; the boards are
 * protected by one mutex. That mutex is never held while calling the
 * context functions of the daemon (which call back get_new_board and
 * release_board under the session's lock) nor while replying or
 * broadcasting.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <afb/afb-binding.h>

/* the interface to afb-daemon */
static const struct afb_binding_interface *afbitf;

#define LEVEL_MIN 1
#define LEVEL_MAX 10
#define LEVEL_DEFAULT 1

/* a request waiting for the next change of a board */
struct waiter {
	struct waiter *next;
	struct afb_req req;
	struct json_object *description;	/* the reply, prepared under the lock */
};

/* a board */
struct board {
	struct board *next;	/* link in the list of boards */
	int use_count;		/* sessions and waiters using it */
	int id;			/* the id to join it */
	int level;		/* level of the computer player */
	int moves;		/* count of moves played */
	int history[9];		/* cells played, in order */
	char cells[9];		/* ' ', 'X' or 'O' */
	struct waiter *waiters;	/* requests waiting for a change */
};

static struct board *all_boards;
static int last_id;
static pthread_mutex_t boards_lock = PTHREAD_MUTEX_INITIALIZER;

/* the order in which the computer considers the cells */
static const int preferred_cells[9] = { 4, 0, 2, 6, 8, 1, 3, 5, 7 };

/* the 8 lines of 3 cells */
static const int lines[8][3] = {
	{ 0, 1, 2 }, { 3, 4, 5 }, { 6, 7, 8 },
	{ 0, 3, 6 }, { 1, 4, 7 }, { 2, 5, 8 },
	{ 0, 4, 8 }, { 2, 4, 6 }
};

/*************************************************************************
 * game logic (pure functions on cells)
 *************************************************************************/

/* 'X', 'O' or ' ' when no line is complete */
static char winner_of(const char cells[9])
{
	int i;
	char c;

	for (i = 0; i < 8; i++) {
		c = cells[lines[i][0]];
		if (c != ' ' && c == cells[lines[i][1]] && c == cells[lines[i][2]])
			return c;
	}
	return ' ';
}

static char other_player(char player)
{
	return player == 'X' ? 'O' : 'X';
}

/*
 * Score of the position for 'player' who is to move, looking 'depth' moves
 * ahead: positive when 'player' wins (sooner is higher), negative when it
 * loses, 0 when undecided or draw.
 */
static int negamax(char cells[9], char player, int depth)
{
	int i, cell, score, best, any = 0;
	char w = winner_of(cells);

	if (w != ' ')
		return w == player ? 100 + depth : -(100 + depth);
	if (depth <= 0)
		return 0;
	best = -1000;
	for (i = 0; i < 9; i++) {
		cell = preferred_cells[i];
		if (cells[cell] != ' ')
			continue;
		any = 1;
		cells[cell] = player;
		score = -negamax(cells, other_player(player), depth - 1);
		cells[cell] = ' ';
		if (score > best)
			best = score;
	}
	return any ? best : 0;
}

/* the cell the computer plays for 'player' at 'level', or -1 if none */
static int computer_move(const char cells[9], char player, int level)
{
	char work[9];
	int i, cell, score, best = -1000, result = -1;

	memcpy(work, cells, sizeof work);
	for (i = 0; i < 9; i++) {
		cell = preferred_cells[i];
		if (work[cell] != ' ')
			continue;
		work[cell] = player;
		score = -negamax(work, other_player(player), level - 1);
		work[cell] = ' ';
		if (score > best) {
			best = score;
			result = cell;
		}
	}
	return result;
}

/*************************************************************************
 * boards (boards_lock held unless told otherwise)
 *************************************************************************/

static char next_player(const struct board *board)
{
	return board->moves % 2 == 0 ? 'X' : 'O';
}

static int is_over(const struct board *board)
{
	return board->moves >= 9 || winner_of(board->cells) != ' ';
}

static void reset(struct board *board)
{
	memset(board->cells, ' ', sizeof board->cells);
	board->moves = 0;
}

static void add_move(struct board *board, int cell)
{
	board->cells[cell] = next_player(board);
	board->history[board->moves++] = cell;
}

static struct board *search_board(int id)
{
	struct board *board = all_boards;

	while (board != NULL && board->id != id)
		board = board->next;
	return board;
}

static int board_exists(const struct board *board)
{
	const struct board *b = all_boards;

	while (b != NULL && b != board)
		b = b->next;
	return b != NULL;
}

/* drops one use; frees the board when it was the last */
static void unuse_board_locked(struct board *board)
{
	struct board **prv;

	if (--board->use_count > 0)
		return;
	prv = &all_boards;
	while (*prv != board)
		prv = &(*prv)->next;
	*prv = board->next;
	free(board);
}

/* a new description of the board */
static struct json_object *describe(const struct board *board)
{
	struct json_object *obj, *cells, *history;
	char w = winner_of(board->cells), s[2] = { 0, 0 };
	int i;

	obj = json_object_new_object();
	cells = json_object_new_array();
	history = json_object_new_array();
	for (i = 0; i < 9; i++) {
		s[0] = board->cells[i];
		json_object_array_add(cells, json_object_new_string(s));
	}
	for (i = 0; i < board->moves; i++)
		json_object_array_add(history, json_object_new_int(board->history[i]));
	json_object_object_add(obj, "boardid", json_object_new_int(board->id));
	json_object_object_add(obj, "level", json_object_new_int(board->level));
	json_object_object_add(obj, "board", cells);
	json_object_object_add(obj, "history", history);
	json_object_object_add(obj, "moves", json_object_new_int(board->moves));
	if (w != ' ') {
		s[0] = w;
		json_object_object_add(obj, "winner", json_object_new_string(s));
		json_object_object_add(obj, "state", json_object_new_string("won"));
		json_object_object_add(obj, "next", NULL);
	} else if (board->moves >= 9) {
		json_object_object_add(obj, "winner", NULL);
		json_object_object_add(obj, "state", json_object_new_string("draw"));
		json_object_object_add(obj, "next", NULL);
	} else {
		s[0] = next_player(board);
		json_object_object_add(obj, "winner", NULL);
		json_object_object_add(obj, "state", json_object_new_string("playing"));
		json_object_object_add(obj, "next", json_object_new_string(s));
	}
	return obj;
}

/*************************************************************************
 * boards as session contexts (called without boards_lock)
 *************************************************************************/

/* creates a new board with a use count of 1: the creator of the context */
static void *get_new_board(void)
{
	struct board *board = calloc(1, sizeof *board);

	if (board == NULL)
		return NULL;
	board->use_count = 1;
	board->level = LEVEL_DEFAULT;
	reset(board);
	pthread_mutex_lock(&boards_lock);
	do {
		if (++last_id <= 0)
			last_id = 1;
	} while (search_board(last_id) != NULL);
	board->id = last_id;
	board->next = all_boards;
	all_boards = board;
	pthread_mutex_unlock(&boards_lock);
	INFO(afbitf, "new board %d", board->id);
	return board;
}

/* the free function of the context: the session leaves the board */
static void release_board(void *closure)
{
	struct board *board = closure;

	pthread_mutex_lock(&boards_lock);
	unuse_board_locked(board);
	pthread_mutex_unlock(&boards_lock);
}

/*
 * The board of the session of 'req' with one more use (release it with
 * unuse_board), or NULL after replying a failure.
 */
static struct board *board_of_req(struct afb_req req)
{
	struct board *board;
	int tries;

	for (tries = 0; tries < 3; tries++) {
		board = afb_req_context(req, get_new_board, release_board);
		if (board == NULL)
			break;
		pthread_mutex_lock(&boards_lock);
		/* a concurrent request of the session may have replaced it */
		if (board_exists(board)) {
			board->use_count++;
			pthread_mutex_unlock(&boards_lock);
			return board;
		}
		pthread_mutex_unlock(&boards_lock);
	}
	afb_req_fail(req, "failed", "can't get the board of the session");
	return NULL;
}

static void unuse_board(struct board *board)
{
	pthread_mutex_lock(&boards_lock);
	unuse_board_locked(board);
	pthread_mutex_unlock(&boards_lock);
}

/*
 * Signals a change of 'board' by 'req' (boards_lock held on entry, released
 * on return): replies the description of the board to 'req', then to the
 * requests waiting for a change, then broadcasts "tictactoe/<reason>".
 */
static void changed_unlock(struct board *board, const char *reason, struct afb_req req)
{
	struct waiter *waiters, *waiter, *next;
	struct json_object *reply, *event;
	int count = 0;

	/* take everything needed under the lock */
	waiters = board->waiters;
	board->waiters = NULL;
	reply = describe(board);
	event = describe(board);
	for (waiter = waiters; waiter != NULL; waiter = waiter->next) {
		waiter->description = describe(board);
		count++;
	}
	pthread_mutex_unlock(&boards_lock);

	/* reply and broadcast without the lock */
	afb_req_success(req, reply, NULL);
	for (waiter = waiters; waiter != NULL; waiter = next) {
		next = waiter->next;
		afb_req_success(waiter->req, waiter->description, reason);
		afb_req_unref(waiter->req);
		free(waiter);
	}
	afb_event_sender_push(afb_daemon_get_event_sender(afbitf->daemon), reason, event);

	/* the waiters kept their use of the board until replied */
	if (count > 0) {
		pthread_mutex_lock(&boards_lock);
		while (count-- > 0)
			unuse_board_locked(board);
		pthread_mutex_unlock(&boards_lock);
	}
}

/* replies the description of 'board' (boards_lock held on entry, released on return) */
static void reply_unlock(struct board *board, struct afb_req req)
{
	struct json_object *description = describe(board);

	pthread_mutex_unlock(&boards_lock);
	afb_req_success(req, description, NULL);
}

/*
 * After a session left 'board' (the caller still holds one use of it):
 * when no session uses it anymore, nothing can change it, so its waiters
 * fail instead of waiting forever.
 */
static void abandon_waiters(struct board *board)
{
	struct waiter *waiters = NULL, *waiter, *next;
	int count = 0;

	pthread_mutex_lock(&boards_lock);
	for (waiter = board->waiters; waiter != NULL; waiter = waiter->next)
		count++;
	if (count > 0 && board->use_count - 1 - count == 0) {
		waiters = board->waiters;
		board->waiters = NULL;
	}
	pthread_mutex_unlock(&boards_lock);

	if (waiters == NULL)
		return;
	for (waiter = waiters; waiter != NULL; waiter = next) {
		next = waiter->next;
		afb_req_fail(waiter->req, "error", "the board was left by every session");
		afb_req_unref(waiter->req);
		free(waiter);
	}
	pthread_mutex_lock(&boards_lock);
	while (count-- > 0)
		unuse_board_locked(board);
	pthread_mutex_unlock(&boards_lock);
}

/*************************************************************************
 * arguments
 *************************************************************************/

/*
 * Reads the integer argument 'name' in min..max into *value. Returns 0, or
 * -1 after replying "invalid-request".
 */
static int arg_int(struct afb_req req, const char *name, int min, int max, int *value)
{
	const char *text = afb_req_value(req, name);
	char *end;
	long v;

	if (text == NULL) {
		afb_req_fail_f(req, "invalid-request", "argument '%s' is missing", name);
		return -1;
	}
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != 0 || v < min || v > max) {
		afb_req_fail_f(req, "invalid-request", "argument '%s' must be an integer in %d..%d", name, min, max);
		return -1;
	}
	*value = (int)v;
	return 0;
}

/*************************************************************************
 * verbs
 *************************************************************************/

/* starts a new game on the board */
static void new(struct afb_req req)
{
	struct board *board = board_of_req(req);

	if (board == NULL)
		return;
	pthread_mutex_lock(&boards_lock);
	INFO(afbitf, "method 'new' called for boardid %d", board->id);
	reset(board);
	changed_unlock(board, "new", req);
	unuse_board(board);
}

/* the computer plays the next move */
static void play(struct afb_req req)
{
	struct board *board = board_of_req(req);
	int cell;

	if (board == NULL)
		return;
	pthread_mutex_lock(&boards_lock);
	INFO(afbitf, "method 'play' called for boardid %d", board->id);
	if (is_over(board)) {
		pthread_mutex_unlock(&boards_lock);
		afb_req_fail(req, "error", "game terminated");
	} else {
		cell = computer_move(board->cells, next_player(board), board->level);
		add_move(board, cell);
		changed_unlock(board, "play", req);
	}
	unuse_board(board);
}

/* the client plays in the cell of argument 'index' (0..8) */
static void move(struct afb_req req)
{
	struct board *board;
	int index;

	if (arg_int(req, "index", 0, 8, &index) < 0)
		return;
	board = board_of_req(req);
	if (board == NULL)
		return;
	pthread_mutex_lock(&boards_lock);
	INFO(afbitf, "method 'move' called for boardid %d", board->id);
	if (is_over(board)) {
		pthread_mutex_unlock(&boards_lock);
		afb_req_fail(req, "error", "game terminated");
	} else if (board->cells[index] != ' ') {
		pthread_mutex_unlock(&boards_lock);
		afb_req_fail_f(req, "error", "cell %d is not empty", index);
	} else {
		add_move(board, index);
		changed_unlock(board, "move", req);
	}
	unuse_board(board);
}

/* the description of the board */
static void board(struct afb_req req)
{
	struct board *board = board_of_req(req);

	if (board == NULL)
		return;
	pthread_mutex_lock(&boards_lock);
	INFO(afbitf, "method 'board' called for boardid %d", board->id);
	reply_unlock(board, req);
	unuse_board(board);
}

/* sets the level of the computer to argument 'level' (1..10) */
static void level(struct afb_req req)
{
	struct board *board;
	int lvl;

	if (arg_int(req, "level", LEVEL_MIN, LEVEL_MAX, &lvl) < 0)
		return;
	board = board_of_req(req);
	if (board == NULL)
		return;
	pthread_mutex_lock(&boards_lock);
	INFO(afbitf, "method 'level' called for boardid %d", board->id);
	board->level = lvl;
	changed_unlock(board, "level", req);
	unuse_board(board);
}

/* joins the board of argument 'boardid' */
static void join(struct afb_req req)
{
	struct board *board, *joined;
	int id;

	if (arg_int(req, "boardid", 1, 0x7fffffff, &id) < 0)
		return;
	board = board_of_req(req);
	if (board == NULL)
		return;
	INFO(afbitf, "method 'join' called for boardid %d to join %d", board->id, id);

	pthread_mutex_lock(&boards_lock);
	joined = search_board(id);
	if (joined == NULL) {
		pthread_mutex_unlock(&boards_lock);
		afb_req_fail_f(req, "error", "board %d not found", id);
		unuse_board(board);
		return;
	}
	if (joined != board)
		joined->use_count++;	/* the use of the session */
	pthread_mutex_unlock(&boards_lock);

	/* without the lock: replacing the context releases the former board */
	if (joined != board) {
		afb_req_context_set(req, joined, release_board);
		abandon_waiters(board);
	}

	pthread_mutex_lock(&boards_lock);
	changed_unlock(joined, "join", req);
	unuse_board(board);
}

/* undoes the last move */
static void undo(struct afb_req req)
{
	struct board *board = board_of_req(req);
	int cell;

	if (board == NULL)
		return;
	pthread_mutex_lock(&boards_lock);
	INFO(afbitf, "method 'undo' called for boardid %d", board->id);
	if (board->moves == 0) {
		pthread_mutex_unlock(&boards_lock);
		afb_req_fail(req, "error", "there is no move to undo");
	} else {
		cell = board->history[--board->moves];
		board->cells[cell] = ' ';
		changed_unlock(board, "undo", req);
	}
	unuse_board(board);
}

/* replies at the next change of the board (asynchronous) */
static void wait(struct afb_req req)
{
	struct board *board = board_of_req(req);
	struct waiter *waiter;

	if (board == NULL)
		return;
	waiter = calloc(1, sizeof *waiter);
	if (waiter == NULL) {
		afb_req_fail(req, "failed", "out of memory");
		unuse_board(board);
		return;
	}
	/* the reply comes after return: keep the request */
	afb_req_addref(req);
	waiter->req = req;
	pthread_mutex_lock(&boards_lock);
	/* the waiter keeps the use of the board taken by board_of_req */
	waiter->next = board->waiters;
	board->waiters = waiter;
	/* logged once registered: a move seen after this line replies to it */
	INFO(afbitf, "method 'wait' called for boardid %d", board->id);
	pthread_mutex_unlock(&boards_lock);
}

/*************************************************************************
 * declaration
 *************************************************************************/

static const struct afb_verb_desc_v1 binding_methods[] = {
	/* VERB'S NAME      SESSION MANAGEMENT          FUNCTION TO CALL    SHORT DESCRIPTION */
	{ .name = "new",   .session = AFB_SESSION_NONE,  .callback = new,   .info = "Starts a new game" },
	{ .name = "play",  .session = AFB_SESSION_NONE,  .callback = play,  .info = "Asks the server to play" },
	{ .name = "move",  .session = AFB_SESSION_NONE,  .callback = move,  .info = "Tells the client move (arg index 0..8)" },
	{ .name = "board", .session = AFB_SESSION_NONE,  .callback = board, .info = "Get the current board" },
	{ .name = "level", .session = AFB_SESSION_NONE,  .callback = level, .info = "Set the server level (arg level 1..10)" },
	{ .name = "join",  .session = AFB_SESSION_CHECK, .callback = join,  .info = "Join a board (arg boardid)" },
	{ .name = "undo",  .session = AFB_SESSION_NONE,  .callback = undo,  .info = "Undo the last move" },
	{ .name = "wait",  .session = AFB_SESSION_NONE,  .callback = wait,  .info = "Wait for a change" },
	{ .name = NULL }	/* marker for end of the array */
};

static const struct afb_binding binding_description = {
	.type = AFB_BINDING_VERSION_1,
	.v1 = {
		.prefix = "tictactoe",
		.info = "Sample tic-tac-toe game",
		.methods = binding_methods
	}
};

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	afbitf = itf;
	return &binding_description;
}
