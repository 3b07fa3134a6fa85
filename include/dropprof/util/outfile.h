/* outfile — where a report goes: stdout, or a file written through a
 * temporary name in the same directory and renamed into place only when
 * complete, so an interrupted run never leaves a half file.
 */
#ifndef DROPPROF_OUTFILE_H
#define DROPPROF_OUTFILE_H

#include <stdio.h>

struct dp_outfile {
	FILE *f;
	char *path;      /* final name, NULL for stdout */
	char *tmp;       /* temporary name */
};

/* path NULL or "-": stdout.  Returns 0 or -errno. */
int dp_outfile_open(struct dp_outfile *o, const char *path);

/* Flush, fsync and rename into place (commit != 0), or remove the
 * temporary file.  Returns 0 or -errno. */
int dp_outfile_close(struct dp_outfile *o, int commit);

#endif
