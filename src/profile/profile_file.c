/* profile_file — the .dprof container: the 32-byte header, the zlib
 * stream and its CRC around the payload (profile_sections.h), and saving
 * and loading whole files (layout in profile_io.h).
 *
 * The header is judged before anything else is believed, read or
 * allocated: the magic says whether this is a profile at all, and its
 * sizes must agree with the file's before the version is trusted, so a
 * damaged file is called damaged, not "a newer version".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "dropprof/profile/profile.h"
#include "dropprof/profile/profile_io.h"
#include "dropprof/profile/profile_sections.h"
#include "dropprof/symbols/symmap.h"
#include "dropprof/util/error.h"
#include "dropprof/util/outfile.h"

#define HDR_SIZE DP_PROFILE_HEADER_SIZE

struct header {
	unsigned major, minor;
	uint64_t plen;               /* payload, uncompressed */
	uint32_t crc;
	uint32_t clen;               /* zlib stream */
};

static uint64_t get_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void set_le(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* The largest file a writer makes: the zlib bound of the largest
 * payload. */
static uint64_t max_file_size(void)
{
	return HDR_SIZE + (uint64_t)compressBound(DP_PROFILE_MAX_PAYLOAD);
}

/* Judge the first avail bytes of a file of file_len bytes.  0 for a
 * header of this major that matches the file; else -EINVAL or
 * -EPROTONOSUPPORT with *err set. */
static int check_header(const unsigned char *b, size_t avail,
			uint64_t file_len, struct header *h, struct dp_err *err)
{
	uint64_t data;

	if (avail < 8 || memcmp(b, DP_PROFILE_MAGIC, 8))
		return dp_err_set(err, -EINVAL, "not a dropprof profile (bad magic)");
	if (avail < HDR_SIZE || file_len < HDR_SIZE)
		return dp_err_set(err, -EINVAL, "truncated profile (header cut short)");
	h->major = (unsigned)get_le(b + 8, 2);
	h->minor = (unsigned)get_le(b + 10, 2);
	h->plen = get_le(b + 16, 8);
	h->crc = (uint32_t)get_le(b + 24, 4);
	h->clen = (uint32_t)get_le(b + 28, 4);
	data = file_len - HDR_SIZE;
	/* Every major keeps this header: a higher major whose sizes match
	 * the file is a newer file; any other major is damage. */
	if (h->major > DP_PROFILE_MAJOR && h->clen == data)
		return dp_err_set(err, -EPROTONOSUPPORT,
				  "profile format version %u.%u is newer than this dropprof reads (%u.x): use a newer dropprof",
				  h->major, h->minor, DP_PROFILE_MAJOR);
	if (h->major != DP_PROFILE_MAJOR && h->major != 1)
		return dp_err_set(err, -EINVAL,
				  "corrupted profile (format version %u.%u%s)",
				  h->major, h->minor, h->clen == data ? "" :
				  ", sizes that do not match the file");
	if (h->clen > max_file_size() - HDR_SIZE)
		return dp_err_set(err, -EINVAL,
				  "corrupted profile (impossible compressed size %u)",
				  h->clen);
	if (h->clen > data)
		return dp_err_set(err, -EINVAL,
				  "truncated profile (%llu bytes of data, header says %u)",
				  (unsigned long long)data, h->clen);
	if (h->clen < data)
		return dp_err_set(err, -EINVAL,
				  "corrupted profile (%llu bytes of data, header says %u)",
				  (unsigned long long)data, h->clen);
	/* zlib never expands more than ~1032:1: a bigger claim is a lie,
	 * and must not cost a huge allocation. */
	if (h->plen == 0 || h->plen > DP_PROFILE_MAX_PAYLOAD ||
	    h->plen > (uint64_t)h->clen * 1032 + 64)
		return dp_err_set(err, -EINVAL,
				  "corrupted profile (impossible payload size)");
	return 0;
}

int dp_profile_encode(const struct dp_profile *p, const struct dp_symmap *m,
		      unsigned char **buf, size_t *len)
{
	unsigned char *pay, *out;
	size_t plen;
	uLongf clen;
	int ret;

	*buf = NULL;
	*len = 0;
	ret = dp_profile_sections_encode(p, m, &pay, &plen);
	if (ret)
		return ret;
	if (plen > DP_PROFILE_MAX_PAYLOAD) {
		free(pay);
		return -EFBIG;
	}
	clen = compressBound(plen);
	out = malloc(HDR_SIZE + clen);
	if (!out || compress2(out + HDR_SIZE, &clen, pay, plen, 6) != Z_OK) {
		free(out);
		free(pay);
		return -ENOMEM;
	}
	memcpy(out, DP_PROFILE_MAGIC, 8);
	set_le(out + 8, DP_PROFILE_MAJOR, 2);
	set_le(out + 10, DP_PROFILE_MINOR, 2);
	set_le(out + 12, 0, 4);
	set_le(out + 16, plen, 8);
	set_le(out + 24, (uint32_t)crc32(0L, pay, (uInt)plen), 4);
	set_le(out + 28, clen, 4);
	free(pay);
	*buf = out;
	*len = HDR_SIZE + clen;
	return 0;
}

static int decode(const unsigned char *buf, size_t len, struct dp_profile *p,
		  struct dp_symmap *m, struct dp_err *err)
{
	struct header h;
	unsigned char *pay;
	uLongf got;
	int ret;

	memset(p, 0, sizeof(*p));
	dp_symmap_init(m);
	ret = check_header(buf, len, len, &h, err);
	if (ret)
		return ret;
	pay = malloc(h.plen);
	if (!pay)
		return dp_err_set(err, -ENOMEM, "out of memory");
	got = (uLongf)h.plen;
	if (uncompress(pay, &got, buf + HDR_SIZE, h.clen) != Z_OK ||
	    got != h.plen || (uint32_t)crc32(0L, pay, (uInt)h.plen) != h.crc) {
		free(pay);
		return dp_err_set(err, -EINVAL,
				  "corrupted profile (data does not match its checksum)");
	}
	ret = dp_profile_sections_decode(pay, h.plen, h.major, h.minor, p, m, err);
	free(pay);
	return ret;
}

int dp_profile_decode(const unsigned char *buf, size_t len,
		      struct dp_profile *p, struct dp_symmap *m,
		      struct dp_err *err)
{
	return decode(buf, len, p, m, err);
}

int dp_profile_save(const char *path, const struct dp_profile *p,
		    const struct dp_symmap *m, struct dp_err *err)
{
	struct dp_outfile out;
	unsigned char *buf;
	size_t len;
	int ret;

	ret = dp_profile_encode(p, m, &buf, &len);
	if (ret)
		return dp_err_set(err, ret, "cannot encode the profile: %s",
				  strerror(-ret));
	ret = dp_outfile_open(&out, path);
	/* Raw kernel addresses are what kernel.kptr_restrict hides from
	 * other users: only the owner reads a profile, whatever the umask
	 * (the file is still empty here).  A device or FIFO written
	 * through (no temporary) keeps its mode. */
	if (!ret && out.tmp && chmod(out.tmp, DP_PROFILE_FILE_MODE) < 0) {
		ret = -errno;
		dp_outfile_close(&out, 0);
	}
	if (ret) {
		free(buf);
		return dp_err_set(err, ret, "cannot create '%s': %s", path,
				  strerror(-ret));
	}
	if (fwrite(buf, 1, len, out.f) != len)
		ret = -EIO;
	free(buf);
	ret = dp_outfile_close(&out, ret == 0) ?: ret;
	if (ret)
		dp_err_set(err, ret, "cannot write '%s': %s", path, strerror(-ret));
	return ret;
}

/* Read up to len bytes at the current offset; the count read, or -errno. */
static ssize_t read_full(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* The whole file after its header, which hdr holds: 0 or -errno. */
static int read_rest(int fd, const unsigned char *hdr, size_t size,
		     const char *path, struct dp_profile *p, struct dp_symmap *m,
		     struct dp_err *err)
{
	unsigned char *buf = malloc(size);
	ssize_t got;
	int ret;

	if (!buf)
		return dp_err_set(err, -ENOMEM, "out of memory");
	memcpy(buf, hdr, HDR_SIZE);
	got = read_full(fd, buf + HDR_SIZE, size - HDR_SIZE);
	if (got < 0) {
		ret = dp_err_set(err, (int)got, "cannot read '%s': %s", path,
				 strerror((int)-got));
	} else {
		ret = decode(buf, HDR_SIZE + (size_t)got, p, m, err);
		if (ret && ret != -ENOMEM)
			dp_err_set(err, ret, "'%s': %s", path, dp_err_msg(err));
	}
	free(buf);
	return ret;
}

static int load(const char *path, struct dp_profile *p, struct dp_symmap *m,
		struct dp_err *err)
{
	unsigned char hdr[HDR_SIZE];
	struct header h;
	struct stat st;
	ssize_t got;
	int fd, ret;

	memset(p, 0, sizeof(*p));
	dp_symmap_init(m);
	/* O_NONBLOCK: a FIFO without a writer must not hang us; anything
	 * but a regular file is refused right after. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		return dp_err_set(err, ret, "cannot open '%s': %s", path,
				  strerror(-ret));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return dp_err_set(err, -EINVAL,
				  "cannot read '%s': not a regular file", path);
	}
	/* The header first: a file that is no profile, or whose header does
	 * not match its size, is never read whole nor allocated for. */
	got = read_full(fd, hdr, sizeof(hdr));
	if (got < 0)
		ret = dp_err_set(err, (int)got, "cannot read '%s': %s", path,
				 strerror((int)-got));
	else if ((ret = check_header(hdr, (size_t)got, (uint64_t)st.st_size,
				     &h, err)))
		dp_err_set(err, ret, "'%s': %s", path, dp_err_msg(err));
	else
		ret = read_rest(fd, hdr, (size_t)st.st_size, path, p, m, err);
	close(fd);
	return ret;
}

int dp_profile_load(const char *path, struct dp_profile *p,
		    struct dp_symmap *m, struct dp_err *err)
{
	return load(path, p, m, err);
}
