/* cmd — the commands.  Each takes argv without the command word (argv[0]
 * is the program or command name) and returns the process exit status:
 * 0 success, 1 runtime failure, 2 usage error.
 */
#ifndef DROPPROF_CMD_H
#define DROPPROF_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "dropprof/output/output.h"
#include "dropprof/record/record.h"
#include "dropprof/util/error.h"

struct dp_outfile;
struct dp_profile;
struct dp_strbuf;
struct dp_symmap;

#define DP_EXIT_OK 0
#define DP_EXIT_FAIL 1
#define DP_EXIT_USAGE 2

int dp_cmd_live(int argc, char **argv);
int dp_cmd_record(int argc, char **argv);
int dp_cmd_report(int argc, char **argv);
int dp_cmd_diff(int argc, char **argv);
int dp_cmd_check(int argc, char **argv);

/* The options of all commands, parsed in one place so they mean the same
 * everywhere.  Which ones a command takes is a set of DP_CLI_* bits. */
#define DP_CLI_RECORD  0x1   /* -d SECONDS, -m PAGES, -q, --reason,
				--exclude-reason, --proto, --all-stacks,
				--stack-rate */
#define DP_DEFAULT_STACK_RATE 2000.0  /* stacks/s per CPU before sampling */
/* Ring pages per CPU when -m is not given: a stack with every drop writes
 * ~4x the bytes of a raw record, and full-rate drops must not be lost
 * while the reader is off the CPU for a few milliseconds. */
#define DP_DEFAULT_RING_PAGES 256
#define DP_DEFAULT_RING_PAGES_ALL_STACKS 1024

/* -d bounds: under a millisecond the timer would not be armed at all. */
#define DP_MIN_DURATION 0.001
#define DP_MAX_DURATION (31 * 24 * 3600.0)

#define DP_CLI_REPORT  0x2   /* -n N, --folded, --json */
#define DP_CLI_VERSION 0x4   /* -V, --version */
#define DP_CLI_SYMBOLS 0x8   /* --vmlinux FILE, --ignore-build-id */
#define DP_CLI_CHECK   0x10  /* -m PAGES, -q, --json (dropprof check) */

struct dp_cli_text {
	const char *cmd;         /* "dropprof record", for error lines */
	const char *usage;       /* the usage line(s), printed on errors */
	const char *help;        /* --help text */
};

struct dp_cli {
	struct dp_record_opts rec;   /* DP_CLI_RECORD options */
	enum dp_format format;
	unsigned long top;
	const char *output;      /* -o, NULL when absent */
	const char *vmlinux;     /* --vmlinux, NULL when absent */
	bool ignore_build_id;    /* --ignore-build-id */
	int nr_args;             /* operands left after the options */
	char **args;
};
/* Parse argv with the options in what; out must hold the defaults.
 * Returns true to go on; false when the command must return *status at
 * once (0 after --help/--version, DP_EXIT_USAGE after an error, already
 * printed).  With DP_CLI_RECORD, out->rec.stop_fd is the stop fd of
 * cmd/signals.h (-1 before dp_signals_init()). */
bool dp_cli_parse(int argc, char **argv, unsigned int what,
		  const struct dp_cli_text *text, struct dp_cli *out, int *status);

/* Open a session, apply the filters, record as cli says and resolve the
 * names.  Returns true with *s open and *names built (the caller releases
 * both); false with everything released, the error printed and the exit
 * status in *status. */
struct dp_session;
bool dp_cli_record(const struct dp_cli *cli, struct dp_session *s,
		   struct dp_symmap *names, int *status);

/* Source lines for names (cmd/symbolize.c): find the vmlinux with
 * debuginfo of the kernel names->kernel describes (--vmlinux, the usual
 * places for release, debuginfod) and add file:line and inlined frames
 * to every vmlinux address; then, when live (the kernel is the running
 * one: live and record), the same for module addresses from the modules'
 * files (/usr/lib/debug/lib/modules/R, /lib/modules/R) of the loaded
 * build, with or without a vmlinux.  notes gets lines for the report:
 * where the lines came from, or why there are none and how to get them.
 * Names that already have source lines (a profile symbolized when it was
 * recorded) keep them unless --vmlinux is given.  Returns true to go on
 * (with or without lines); false for an explicit --vmlinux that cannot
 * be used (another build without --ignore-build-id, unreadable, no
 * DWARF), with the error printed and *status set. */
bool dp_cli_symbolize(const struct dp_cli *cli, struct dp_symmap *names,
		      const char *release, bool live, struct dp_strbuf *notes,
		      int *status);

/* Print "CMD: message" (escaped, see dp_cmd_escape), the usage and
 * return DP_EXIT_USAGE. */
__attribute__((format(printf, 2, 3)))
int dp_usage_error(const struct dp_cli_text *text, const char *fmt, ...);

/* Helpers shared by the commands' option parsing.  Durations are plain
 * decimal seconds ("10", "2.5", "1e-3") from DP_MIN_DURATION to
 * DP_MAX_DURATION; -EINVAL otherwise. */
int dp_parse_seconds(const char *s, double *out);
int dp_parse_count(const char *s, unsigned long min, unsigned long max,
		   unsigned long *out);

/* Output files (util/outfile.h), with the errors printed here.
 * dp_cli_open_output: open path (NULL or "-": stdout; a created file gets
 * mode & ~umask) before any work is done; false with the error printed
 * and *status set.  dp_cli_close_output: commit when ret (the result of
 * writing) is 0, else remove the temporary; print the first error and
 * return the exit status. */
bool dp_cli_open_output(const char *path, mode_t mode, struct dp_outfile *out,
			int *status);
int dp_cli_close_output(struct dp_outfile *out, int ret);

/* Refuse (usage error, *status = DP_EXIT_USAGE) an output that is one of
 * the nr input files: the same file by device and inode, whatever the
 * spelling or symlinks.  True when output is none of them. */
bool dp_cli_check_inputs(const struct dp_cli_text *text, const char *output,
			 char *const *inputs, int nr, int *status);

/* Build the report of prof and write it to out (opened by
 * dp_cli_open_output; closed here).  Returns an exit status; errors are
 * printed. */
int dp_emit_report(const struct dp_profile *prof, const struct dp_symmap *names,
		   size_t top_n, const char *symbol_notes, enum dp_format format,
		   struct dp_outfile *out);

/* Messages (cmd/message.c).  Every line cmd/ prints about a failure goes
 * through these, so user input (file names, arguments, names from a
 * profile) cannot put control characters on the terminal. */

/* Append s to sb with control characters escaped: \t \n \r, other C0
 * controls and DEL as \xNN, C1 controls as \u00NN, bytes that are not
 * UTF-8 as \xNN; printable UTF-8 unchanged.  0 or -ENOMEM. */
int dp_cmd_escape(struct dp_strbuf *sb, const char *s);

/* "dropprof: MESSAGE" on stderr, escaped.  dp_cmd_error_code also adds
 * the hint for the errno code (-EMFILE: "raise 'ulimit -n'"). */
__attribute__((format(printf, 1, 2)))
void dp_cmd_error(const char *fmt, ...);
__attribute__((format(printf, 2, 3)))
void dp_cmd_error_code(int code, const char *fmt, ...);

/* The dp_warn()/dp_info() hook of the commands (dp_set_print): the
 * default lines, escaped. */
void dp_cmd_print(enum dp_print_level level, const char *msg, void *ctx);

#endif
