/* main — the command table.  "dropprof [options]" is the live recording;
 * the first word selects another command when it names one.
 */
#include <string.h>

#include "dropprof/cmd/cmd.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "live", dp_cmd_live },
	{ "record", dp_cmd_record },
	{ "report", dp_cmd_report },
	{ "diff", dp_cmd_diff },
};

int main(int argc, char **argv)
{
	if (argc > 1) {
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (!strcmp(argv[1], commands[i].name))
				return commands[i].run(argc - 1, argv + 1);
	}
	return dp_cmd_live(argc, argv);
}
