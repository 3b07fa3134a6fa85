/* error — error objects and the warning print hook (see the header). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/util/error.h"

int dp_err_set(struct dp_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	int n;

	if (!err)
		return code;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	free(err->msg);
	err->msg = n < 0 ? NULL : msg;   /* no memory: strerror() remains */
	err->code = code;
	return code;
}

const char *dp_err_msg(const struct dp_err *err)
{
	if (err->msg)
		return err->msg;
	return err->code ? strerror(-err->code) : "";
}

void dp_err_release(struct dp_err *err)
{
	free(err->msg);
	err->msg = NULL;
	err->code = 0;
}

static void print_stderr(enum dp_print_level level, const char *msg, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "dropprof: %s%s\n",
		level == DP_PRINT_WARN ? "warning: " : "", msg);
}

static dp_print_fn print_fn = print_stderr;
static void *print_ctx;

dp_print_fn dp_set_print(dp_print_fn fn, void *ctx)
{
	dp_print_fn old = print_fn;

	print_fn = fn ? fn : print_stderr;
	print_ctx = ctx;
	return old;
}

__attribute__((format(printf, 2, 0)))
static void vprint(enum dp_print_level level, const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	print_fn(level, msg ? msg : fmt, print_ctx);
	free(msg);
}

void dp_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(DP_PRINT_WARN, fmt, ap);
	va_end(ap);
}

void dp_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(DP_PRINT_INFO, fmt, ap);
	va_end(ap);
}
