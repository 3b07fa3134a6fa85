/* outfile — where a report or a profile goes.
 *
 * - NULL or "-": stdout.
 * - A new file, or an existing regular file: written under a temporary
 *   name (FILE.tmp.XXXXXX) in the same directory and renamed into place
 *   only when complete, so an interrupted run never leaves a half file.
 *   The temporary file is registered with util/cleanup.h, so a fatal
 *   signal removes it too.
 * - A symlink to a regular file (or a dangling one): the same, for the
 *   file the link points to, in that file's directory; the link stays a
 *   link.
 * - Anything else (a device node such as /dev/null or /dev/full, a FIFO,
 *   /dev/stdout and the other /proc/self/fd links): written through, as a
 *   shell redirection would; nothing is created or renamed.
 *
 * The file is opened (the temporary created) by dp_outfile_open(), so a
 * bad path fails before any work is done; nothing reaches its final name
 * before dp_outfile_close(o, 1).  Every write error is kept with its real
 * errno (ENOSPC, EPIPE, EBADF...) and returned by dp_outfile_close().
 */
#ifndef DROPPROF_OUTFILE_H
#define DROPPROF_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

struct dp_outfile_sink;

struct dp_outfile {
	FILE *f;                 /* write here; owned until close */
	char *path;              /* the name given, NULL for stdout */
	char *final;             /* atomic: the name renamed into place */
	char *tmp;               /* atomic: the temporary name, else NULL */
	int fd;                  /* under f */
	int cleanup;             /* cleanup handle of tmp, -1 when none */
	bool truncate;           /* written through to a regular file */
	struct dp_outfile_sink *sink;   /* fd and first error, under f */
};

/* Open path for writing; a created file gets mode 0666 & ~umask.
 * Returns 0 or -errno (-EISDIR for a directory, -ENOENT for a missing
 * directory, ...); on failure nothing is left to close. */
int dp_outfile_open(struct dp_outfile *o, const char *path);

/* The same with the mode of a created file (before the umask), e.g.
 * 0600 for a file that only its owner may read. */
int dp_outfile_open_mode(struct dp_outfile *o, const char *path, mode_t mode);

/* Flush and finish.  commit != 0: fsync and rename the temporary into
 * place (a written-through regular file is cut at the end of what was
 * written); commit == 0: remove the temporary (what was written through
 * stays written).  Returns 0, or the first error of any write, the
 * flush, fsync or rename, as -errno.  After it, *o may be reused. */
int dp_outfile_close(struct dp_outfile *o, int commit);

/* The name for messages: the path given, or "stdout". */
const char *dp_outfile_name(const struct dp_outfile *o);

/* Whether writing to out would overwrite the existing file in: 1 when
 * both exist and are the same file (same device and inode, through any
 * symlink or spelling of the path), 0 otherwise (out does not exist, or
 * either cannot be examined: opening them will say why). */
int dp_outfile_same(const char *out, const char *in);

#endif
