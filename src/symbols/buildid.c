/* buildid — GNU build-ids: the pure note walker (raw ELF notes, as in
 * /sys/kernel/notes), the notes file reader, an ELF file's build-id
 * through libelf, and the hex form used in messages, paths and profiles.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dropprof/symbols/buildid.h"
#include "dropprof/util/error.h"

/* /sys/kernel/notes is a few hundred bytes; a file far larger is not a
 * notes file and is not read whole. */
#define NOTES_MAX (1024 * 1024)

#define NHDR_SIZE 12            /* n_namesz, n_descsz, n_type: 3 x u32 */

static uint64_t align4(uint64_t n)
{
	return (n + 3) & ~(uint64_t)3;
}

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));   /* the buffer has no alignment */
	return v;
}

static int take_id(const void *desc, uint64_t descsz, struct dp_buildid *out)
{
	if (descsz == 0 || descsz > DP_BUILDID_MAX)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	memcpy(out->id, desc, descsz);
	out->len = descsz;
	return 0;
}

int dp_buildid_from_notes(const void *buf, size_t len, struct dp_buildid *out)
{
	const unsigned char *p = buf;
	uint64_t off = 0;

	out->len = 0;
	/* Every size is checked against what is left before it is used, in
	 * 64 bits so that a 32-bit size plus its padding cannot wrap. */
	while (off < len) {
		uint64_t left = len - off, namesz, descsz;
		const unsigned char *name, *desc;
		uint32_t type;

		if (left < NHDR_SIZE)
			return -EINVAL;
		namesz = get_u32(p + off);
		descsz = get_u32(p + off + 4);
		type = get_u32(p + off + 8);
		off += NHDR_SIZE;
		left -= NHDR_SIZE;
		if (align4(namesz) > left)
			return -EINVAL;
		name = p + off;
		off += align4(namesz);
		left -= align4(namesz);
		/* The last descriptor may lack its padding. */
		if (descsz > left)
			return -EINVAL;
		desc = p + off;
		if (type == NT_GNU_BUILD_ID && namesz == 4 && !memcmp(name, "GNU", 4))
			return take_id(desc, descsz, out);
		off += align4(descsz) < left ? align4(descsz) : left;
	}
	return -ENOENT;
}

int dp_buildid_read_notes(const char *path, struct dp_buildid *out)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, err = 0;

	out->len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* sysfs files have no useful st_size: read to the end. */
	for (;;) {
		ssize_t n;

		if (len == cap) {
			unsigned char *nb;

			if (cap >= NOTES_MAX) {
				err = -EFBIG;
				goto out_free;
			}
			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				goto out_free;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out_free;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	err = dp_buildid_from_notes(buf, len, out);
out_free:
	free(buf);
	close(fd);
	return err;
}

/* Walk one block of notes libelf has translated (its d_type says the
 * alignment: 4, or 8 for SHF_ALLOC notes aligned so).  1: found. */
static int scan_elf_notes(Elf_Data *data, struct dp_buildid *out)
{
	size_t off = 0, next, name_off, desc_off;
	GElf_Nhdr nh;

	while (off < data->d_size &&
	       (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		const char *d = data->d_buf;

		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    !memcmp(d + name_off, "GNU", 4))
			return take_id(d + desc_off, nh.n_descsz, out) ? -EINVAL : 1;
		off = next;
	}
	return 0;
}

static int elf_notes_sections(Elf *elf, struct dp_buildid *out)
{
	Elf_Scn *scn = NULL;
	size_t shnum;

	if (elf_getshdrnum(elf, &shnum) < 0)
		return -EINVAL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		int r;

		if (!gelf_getshdr(scn, &sh))
			return -EINVAL;
		if (sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			return -EINVAL;
		r = scan_elf_notes(data, out);
		if (r)
			return r;
	}
	return 0;
}

static int elf_notes_segments(Elf *elf, struct dp_buildid *out)
{
	size_t phnum;

	if (elf_getphdrnum(elf, &phnum) < 0)
		return -EINVAL;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		Elf_Data *data;
		int r;

		if (!gelf_getphdr(elf, (int)i, &ph))
			return -EINVAL;
		if (ph.p_type != PT_NOTE || ph.p_filesz == 0)
			continue;
		data = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz,
					    ph.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
		if (!data)
			return -EINVAL;
		r = scan_elf_notes(data, out);
		if (r)
			return r;
	}
	return 0;
}

static bool past(uint64_t off, uint64_t len, uint64_t size)
{
	return len && (off > size || len > size - off);
}

/* What of the file lies past its end, or NULL: libelf reads what it is
 * asked for lazily, and a truncated file often just looks smaller (no
 * sections, no segments) rather than broken. */
static const char *beyond_end(Elf *elf, uint64_t size)
{
	Elf_Scn *scn = NULL;
	size_t shnum, phnum;
	GElf_Ehdr eh;

	if (!gelf_getehdr(elf, &eh))
		return "its ELF header lies";
	phnum = eh.e_phnum;
	if (phnum == PN_XNUM && elf_getphdrnum(elf, &phnum) < 0)
		return "its program headers lie";
	if (eh.e_phoff && past(eh.e_phoff, (uint64_t)phnum * eh.e_phentsize, size))
		return "its program headers lie";
	/* From the header: libelf counts no sections at all when their
	 * table is cut.  0 means more than fit, counted in section 0. */
	shnum = eh.e_shnum;
	if (shnum == 0 && eh.e_shoff && elf_getshdrnum(elf, &shnum) < 0)
		return "its section headers lie";
	if (eh.e_shoff && past(eh.e_shoff, (uint64_t)shnum * eh.e_shentsize, size))
		return "its section headers lie";
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			return "its section headers lie";
		if (sh.sh_type != SHT_NOBITS && past(sh.sh_offset, sh.sh_size, size))
			return "a section lies";
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph))
			return "its program headers lie";
		if (past(ph.p_offset, ph.p_filesz, size))
			return "a segment lies";
	}
	return NULL;
}

int dp_buildid_read_elf(const char *path, struct dp_buildid *out,
			struct dp_err *err)
{
	const char *cut;
	struct stat st;
	Elf *elf;
	int fd, ret;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		return dp_err_set(err, ret, "cannot open '%s': %s", path,
				  strerror(-ret));
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		dp_err_set(err, ret, "cannot stat '%s': %s", path, strerror(-ret));
		close(fd);
		return ret;
	}
	elf_version(EV_CURRENT);
	/* ELF_C_READ, not _MMAP: a file truncated while it is read gives
	 * short reads and an error, not SIGBUS. */
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		ret = dp_err_set(err, -EINVAL, "'%s' is not an ELF file", path);
		goto out_end;
	}
	cut = beyond_end(elf, (uint64_t)st.st_size);
	if (cut) {
		ret = dp_err_set(err, -EINVAL,
				 "'%s' is truncated or corrupt: %s past the end of the file",
				 path, cut);
		goto out_end;
	}
	ret = elf_notes_sections(elf, out);
	if (ret == 0)
		ret = elf_notes_segments(elf, out);
	if (ret < 0) {
		int e = elf_errno();

		dp_err_set(err, -EINVAL,
			   "cannot read the build-id of '%s': %s (a truncated or corrupt ELF file)",
			   path, e ? elf_errmsg(e) : "bad note");
		goto out_end;
	}
	ret = 0;        /* 1 (found) or 0 (none: out->len stays 0) */
out_end:
	elf_end(elf);
	close(fd);
	return ret;
}

char *dp_buildid_hex(const struct dp_buildid *b, char *buf, size_t size)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (!size)
		return buf;
	for (i = 0; i < b->len && 2 * i + 2 < size; i++) {
		buf[2 * i] = digits[b->id[i] >> 4];
		buf[2 * i + 1] = digits[b->id[i] & 0xf];
	}
	buf[2 * i] = '\0';
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int dp_buildid_parse(const char *hex, struct dp_buildid *out)
{
	size_t n = strlen(hex);
	struct dp_buildid b = { .len = n / 2 };

	if (n == 0 || n % 2 || n / 2 > DP_BUILDID_MAX)
		return -EINVAL;
	for (size_t i = 0; i < b.len; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		b.id[i] = (unsigned char)(hi << 4 | lo);
	}
	*out = b;
	return 0;
}

int dp_buildid_equal(const struct dp_buildid *a, const struct dp_buildid *b)
{
	return a->len && a->len == b->len && !memcmp(a->id, b->id, a->len);
}
