/* cmd — the commands.  Each takes argv without the command word (argv[0]
 * is the program or command name) and returns the process exit status:
 * 0 success, 1 runtime failure, 2 usage error.
 */
#ifndef DROPPROF_CMD_H
#define DROPPROF_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "dropprof/output/output.h"
#include "dropprof/record/record.h"

struct dp_profile;
struct dp_symmap;

#define DP_EXIT_OK 0
#define DP_EXIT_FAIL 1
#define DP_EXIT_USAGE 2

int dp_cmd_live(int argc, char **argv);
int dp_cmd_record(int argc, char **argv);
int dp_cmd_report(int argc, char **argv);
int dp_cmd_diff(int argc, char **argv);

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

#define DP_CLI_REPORT  0x2   /* -n N, --folded, --json */
#define DP_CLI_VERSION 0x4   /* -V, --version */

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
	int nr_args;             /* operands left after the options */
	char **args;
};
/* Parse argv with the options in what; out must hold the defaults.
 * Returns true to go on; false when the command must return *status at
 * once (0 after --help/--version, DP_EXIT_USAGE after an error, already
 * printed). */
bool dp_cli_parse(int argc, char **argv, unsigned int what,
		  const struct dp_cli_text *text, struct dp_cli *out, int *status);

/* Open a session, apply the filters, record as cli says and resolve the
 * names.  Returns true with *s open and *names built (the caller releases
 * both); false with everything released, the error printed and the exit
 * status in *status. */
struct dp_session;
bool dp_cli_record(const struct dp_cli *cli, struct dp_session *s,
		   struct dp_symmap *names, int *status);

/* Print "CMD: message", the usage and return DP_EXIT_USAGE. */
__attribute__((format(printf, 2, 3)))
int dp_usage_error(const struct dp_cli_text *text, const char *fmt, ...);

/* Helpers shared by the commands' option parsing. */
int dp_parse_seconds(const char *s, double *out);
int dp_parse_count(const char *s, unsigned long min, unsigned long max,
		   unsigned long *out);

/* Build the report of prof and write it (stdout when output is NULL or
 * "-", else atomically to the file).  Returns an exit status; errors are
 * printed. */
int dp_emit_report(const struct dp_profile *prof, const struct dp_symmap *names,
		   size_t top_n, enum dp_format format, const char *output);

#endif
