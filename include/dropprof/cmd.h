/* cmd — the commands.  Each takes argv without the command word (argv[0]
 * is the program or command name) and returns the process exit status:
 * 0 success, 1 runtime failure, 2 usage error.
 */
#ifndef DROPPROF_CMD_H
#define DROPPROF_CMD_H

#define DP_EXIT_OK 0
#define DP_EXIT_FAIL 1
#define DP_EXIT_USAGE 2

int dp_cmd_live(int argc, char **argv);

/* Helpers shared by the commands' option parsing. */
int dp_parse_seconds(const char *s, double *out);
int dp_parse_count(const char *s, unsigned long min, unsigned long max,
		   unsigned long *out);

#endif
