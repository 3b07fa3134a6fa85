/* error — the one error path and the one warning path.
 *
 * Library code (every folder but cmd/) never prints and never exits.  A
 * function that can fail returns 0 or -errno; when the caller needs more
 * than the errno, it also fills a struct dp_err with one line that says
 * what failed and what to do:
 *
 *   struct dp_err err = DP_ERR_INIT;
 *   if (dp_session_open(&s, &opts, &err) < 0) {
 *           fprintf(stderr, "dropprof: %s\n", dp_err_msg(&err));  // cmd/ only
 *           ...
 *   }
 *   dp_err_release(&err);
 *
 * Warnings and progress lines (something went wrong but the work goes on;
 * "recording on 2 CPUs") go through dp_warn() / dp_info(), which call one
 * print hook.  The default hook writes "dropprof: warning: ..." and
 * "dropprof: ..." to stderr; a live view or an exporter installs its own
 * with dp_set_print().
 */
#ifndef DROPPROF_ERROR_H
#define DROPPROF_ERROR_H

struct dp_err {
	int code;         /* -errno of the failure, 0 when none */
	char *msg;        /* owned, NULL when none */
};

#define DP_ERR_INIT { 0, NULL }

/* Record a failure: code (a negative errno) and a printf-style message,
 * replacing any earlier one.  Returns code, so a failing path can say
 * 'return dp_err_set(err, ret, "cannot open '%s'", path);'.  err may be
 * NULL (the message is dropped, the code still returned). */
__attribute__((format(printf, 3, 4)))
int dp_err_set(struct dp_err *err, int code, const char *fmt, ...);

/* The message, or strerror(-code) when there is none, or "" for no
 * error.  Borrowed from err. */
const char *dp_err_msg(const struct dp_err *err);

/* Free the message and reset to no error.  Safe on DP_ERR_INIT. */
void dp_err_release(struct dp_err *err);

enum dp_print_level {
	DP_PRINT_WARN,    /* something is missing or wrong; work goes on */
	DP_PRINT_INFO,    /* progress */
};

/* msg is one line without the trailing newline. */
typedef void (*dp_print_fn)(enum dp_print_level level, const char *msg,
			    void *ctx);

/* Route every later dp_warn()/dp_info() to fn (NULL: the default
 * stderr printer).  Returns the previous hook. */
dp_print_fn dp_set_print(dp_print_fn fn, void *ctx);

__attribute__((format(printf, 1, 2)))
void dp_warn(const char *fmt, ...);
__attribute__((format(printf, 1, 2)))
void dp_info(const char *fmt, ...);

#endif
