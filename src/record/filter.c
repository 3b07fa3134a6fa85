/* filter — turn --reason/--exclude-reason/--proto lists into an ftrace
 * filter expression such as
 *   (reason == 3 || reason == 12) && (protocol == 2048)
 * Reason names are looked up in this kernel's own table: numbers differ
 * between kernels, so a name is the only portable way to say a reason.
 * Protocol words come from the one protocol table (kernel/proto.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/kernel/proto.h"
#include "dropprof/kernel/tp_format.h"
#include "dropprof/record/filter.h"
#include "dropprof/util/error.h"
#include "dropprof/util/strbuf.h"

static int nomem(struct dp_err *err)
{
	return dp_err_set(err, -ENOMEM, "out of memory");
}

/* "unknown drop reason 'X' (this kernel has: A,B,...)", every name. */
static int bad_reason(const struct dp_tp_format *fmt, const char *word,
		      struct dp_err *err)
{
	struct dp_strbuf names = DP_STRBUF_INIT;
	int ret = 0;

	for (size_t i = 0; !ret && i < fmt->nr_reasons; i++)
		ret = dp_strbuf_addf(&names, "%s%s", i ? "," : "",
				     fmt->reasons[i].name);
	if (ret)
		ret = nomem(err);
	else
		ret = dp_err_set(err, -EINVAL,
				 "unknown drop reason '%s' (this kernel has: %s)",
				 word, names.buf);
	dp_strbuf_release(&names);
	return ret;
}

static int bad_proto(const char *word, struct dp_err *err)
{
	struct dp_strbuf names = DP_STRBUF_INIT;
	int ret;

	if (dp_proto_add_names(&names))
		ret = nomem(err);
	else
		ret = dp_err_set(err, -EINVAL, "unknown protocol '%s' (use %s)",
				 word, names.buf);
	dp_strbuf_release(&names);
	return ret;
}

static char *trim_blanks(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* One clause: "(field OP v1 JOIN field OP v2 ...)" for a comma list. */
static int clause(struct dp_strbuf *out, const char *list, const char *field,
		  const char *op, const char *join, const struct dp_tp_format *fmt,
		  bool is_reason, struct dp_err *err)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int n = 0, ret = 0;

	if (!copy)
		return nomem(err);
	if (dp_strbuf_adds(out, out->len ? " && (" : "(")) {
		ret = nomem(err);
		goto out;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const char *word = trim_blanks(tok);
		uint64_t value;
		uint16_t pv;

		if (!*word)
			continue;
		if (is_reason) {
			if (dp_tp_format_reason_value(fmt, word, &value)) {
				ret = bad_reason(fmt, word, err);
				goto out;
			}
		} else {
			if (dp_proto_parse(word, &pv)) {
				ret = bad_proto(word, err);
				goto out;
			}
			value = pv;
		}
		if (dp_strbuf_addf(out, "%s%s %s %llu", n++ ? join : "", field, op,
				   (unsigned long long)value)) {
			ret = nomem(err);
			goto out;
		}
	}
	if (!n)
		ret = dp_err_set(err, -EINVAL, "empty list for '%s'", field);
	else if (dp_strbuf_addch(out, ')'))
		ret = nomem(err);
out:
	free(copy);
	return ret;
}

int dp_filter_build(const struct dp_filter_spec *spec,
		    const struct dp_tp_format *fmt, struct dp_strbuf *out,
		    struct dp_err *err)
{
	int ret = 0;

	dp_strbuf_reset(out);
	if ((spec->reasons || spec->exclude_reasons) &&
	    !dp_tp_format_field(fmt, "reason"))
		return dp_err_set(err, -ENOTSUP,
				  "this kernel's skb:kfree_skb has no 'reason' field (added in 5.17): --reason and --exclude-reason cannot work");
	if (spec->protos && !dp_tp_format_field(fmt, "protocol"))
		return dp_err_set(err, -ENOTSUP,
				  "this kernel's skb:kfree_skb has no 'protocol' field: --proto cannot work");
	if (spec->reasons)
		ret = clause(out, spec->reasons, "reason", "==", " || ", fmt, true, err);
	if (!ret && spec->exclude_reasons)
		ret = clause(out, spec->exclude_reasons, "reason", "!=", " && ", fmt,
			     true, err);
	if (!ret && spec->protos)
		ret = clause(out, spec->protos, "protocol", "==", " || ", fmt, false,
			     err);
	if (ret)
		dp_strbuf_reset(out);
	return ret;
}
