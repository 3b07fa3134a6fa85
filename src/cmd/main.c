/* main — the command table.  "dropprof [options]" is the live recording;
 * the first word selects another command when it names one.  Signal
 * handling (cmd/signals.h) is in place before the command runs.
 */
#include <stdbool.h>
#include <string.h>

#include "dropprof/cmd/cmd.h"
#include "dropprof/cmd/signals.h"
#include "dropprof/util/error.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	bool records;    /* the first signal stops a recording */
};

static const struct command commands[] = {
	{ "live", dp_cmd_live, true },
	{ "record", dp_cmd_record, true },
	{ "report", dp_cmd_report, false },
	{ "diff", dp_cmd_diff, false },
	{ "check", dp_cmd_check, false },
};

static int run(const struct command *c, int argc, char **argv)
{
	int ret = dp_signals_init(c->records);

	if (ret) {
		dp_cmd_error_code(ret, "cannot set up signal handling: %s",
				  strerror(-ret));
		return DP_EXIT_FAIL;
	}
	return c->run(argc, argv);
}

int main(int argc, char **argv)
{
	dp_set_print(dp_cmd_print, NULL);
	if (argc > 1) {
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (!strcmp(argv[1], commands[i].name))
				return run(&commands[i], argc - 1, argv + 1);
	}
	return run(&commands[0], argc, argv);
}
