/* cmd — the commands.  Each takes argv without the command word (argv[0]
 * is the program or command name) and returns the process exit status:
 * 0 success, 1 runtime failure, 2 usage error.
 */
#ifndef DROPPROF_CMD_H
#define DROPPROF_CMD_H

#include <stddef.h>

#include "dropprof/output.h"

struct dp_profile;
struct dp_symmap;

#define DP_EXIT_OK 0
#define DP_EXIT_FAIL 1
#define DP_EXIT_USAGE 2

int dp_cmd_live(int argc, char **argv);
int dp_cmd_record(int argc, char **argv);
int dp_cmd_report(int argc, char **argv);
int dp_cmd_diff(int argc, char **argv);

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
