/* message — how cmd/ prints: one line on stderr per error, with every
 * byte that could drive the terminal (control characters from a file
 * name, an argument, a reason name) written as a visible escape.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/cmd/cmd.h"
#include "dropprof/util/json.h"
#include "dropprof/util/strbuf.h"

int dp_cmd_escape(struct dp_strbuf *sb, const char *s)
{
	int ret = 0;

	while (*s && !ret) {
		uint32_t c;
		size_t n = dp_utf8_char(s, &c);

		if (n == 0) {
			/* Not UTF-8: in an 8-bit terminal 0x9b is CSI. */
			ret = dp_strbuf_addf(sb, "\\x%02x", (unsigned char)*s);
			n = 1;
		} else if (c == '\t') {
			ret = dp_strbuf_adds(sb, "\\t");
		} else if (c == '\n') {
			ret = dp_strbuf_adds(sb, "\\n");
		} else if (c == '\r') {
			ret = dp_strbuf_adds(sb, "\\r");
		} else if (c < 0x20 || c == 0x7f) {
			ret = dp_strbuf_addf(sb, "\\x%02x", (unsigned)c);
		} else if (c >= 0x80 && c <= 0x9f) {
			ret = dp_strbuf_addf(sb, "\\u%04x", (unsigned)c);
		} else {
			ret = dp_strbuf_add(sb, s, n);
		}
		s += n;
	}
	return ret;
}

/* Write prefix, the escaped message and a newline in one go. */
static void print_line(const char *prefix, const char *msg, const char *hint)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;

	if (dp_strbuf_adds(&sb, prefix) || dp_cmd_escape(&sb, msg) ||
	    dp_strbuf_adds(&sb, hint) || dp_strbuf_addch(&sb, '\n')) {
		/* No memory for the escaped copy: say that rather than
		 * print the raw bytes. */
		fprintf(stderr, "%sout of memory while reporting an error\n", prefix);
	} else {
		fputs(sb.buf, stderr);
	}
	dp_strbuf_release(&sb);
}

static const char *errno_hint(int code, const char *msg)
{
	if (code == -EMFILE && !strstr(msg, "ulimit"))
		return " (raise 'ulimit -n')";
	if (code == -ENFILE && !strstr(msg, "file-max"))
		return " (the system's open-file table is full: raise fs.file-max)";
	return "";
}

__attribute__((format(printf, 3, 0)))
static void vreport(const char *prefix, int code, const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0) {
		fprintf(stderr, "%sout of memory while reporting an error\n", prefix);
		return;
	}
	print_line(prefix, msg, errno_hint(code, msg));
	free(msg);
}

void dp_cmd_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("dropprof: ", 0, fmt, ap);
	va_end(ap);
}

void dp_cmd_error_code(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("dropprof: ", code, fmt, ap);
	va_end(ap);
}

void dp_cmd_print(enum dp_print_level level, const char *msg, void *ctx)
{
	(void)ctx;
	print_line(level == DP_PRINT_WARN ? "dropprof: warning: " : "dropprof: ",
		   msg, "");
}

int dp_usage_error(const struct dp_cli_text *text, const char *fmt, ...)
{
	struct dp_strbuf prefix = DP_STRBUF_INIT;
	va_list ap;

	if (dp_strbuf_addf(&prefix, "%s: ", text->cmd))
		dp_strbuf_release(&prefix);
	va_start(ap, fmt);
	vreport(prefix.buf, 0, fmt, ap);
	va_end(ap);
	dp_strbuf_release(&prefix);
	fputs(text->usage, stderr);
	fprintf(stderr, "Try '%s --help' for more.\n", text->cmd);
	return DP_EXIT_USAGE;
}
