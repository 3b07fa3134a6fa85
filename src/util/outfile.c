/* outfile — atomic output files (write a temporary, then rename). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dropprof/util/outfile.h"

int dp_outfile_open(struct dp_outfile *o, const char *path)
{
	int fd, err;

	memset(o, 0, sizeof(*o));
	if (!path || !strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	o->path = strdup(path);
	if (!o->path || asprintf(&o->tmp, "%s.tmp.XXXXXX", path) < 0) {
		free(o->path);
		o->path = NULL;
		o->tmp = NULL;
		return -ENOMEM;
	}
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	/* mkstemp makes 0600; a report is as readable as any new file. */
	{
		mode_t mask = umask(0);

		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		err = -errno;
		close(fd);
		unlink(o->tmp);
		goto fail;
	}
	return 0;
fail:
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
	return err;
}

int dp_outfile_close(struct dp_outfile *o, int commit)
{
	int err = 0;

	if (!o->f)
		return 0;
	if (!o->path) {
		if (fflush(o->f) == EOF || ferror(o->f))
			err = -EIO;
		o->f = NULL;
		return err;
	}
	if (fflush(o->f) == EOF || ferror(o->f) || fsync(fileno(o->f)) < 0)
		err = errno ? -errno : -EIO;
	if (fclose(o->f) == EOF && !err)
		err = -errno;
	o->f = NULL;
	if (commit && !err && rename(o->tmp, o->path) < 0)
		err = -errno;
	if (!commit || err)
		unlink(o->tmp);
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
	return err;
}
