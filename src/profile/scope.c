/* scope — the namespaces and machine-wide scope of a profile's counters,
 * and the settings read in each (see scope.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/profile/scope.h"

void dp_scope_release(struct dp_scope *s)
{
	free(s->name);
	free(s->comm);
	free(s->note);
	for (size_t i = 0; i < s->nr_settings; i++) {
		free(s->settings[i].name);
		free(s->settings[i].value);
	}
	free(s->settings);
	memset(s, 0, sizeof(*s));
}

/* Index of name, or where it would go (*found false). */
static size_t position(const struct dp_scope *s, const char *name, bool *found)
{
	size_t lo = 0, hi = s->nr_settings;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, s->settings[mid].name);

		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int dp_scope_set_setting(struct dp_scope *s, const char *name,
			 enum dp_setting_state state, const char *value)
{
	char *n = NULL, *v = NULL;
	struct dp_setting *grown;
	bool found;
	size_t at = position(s, name, &found);

	if (state == DP_SETTING_VALUE && !(v = strdup(value ? value : "")))
		return -ENOMEM;
	if (found) {
		free(s->settings[at].value);
		s->settings[at].value = v;
		s->settings[at].state = state;
		return 0;
	}
	n = strdup(name);
	grown = n ? reallocarray(s->settings, s->nr_settings + 1, sizeof(*grown)) : NULL;
	if (!grown) {
		free(n);
		free(v);
		return -ENOMEM;
	}
	s->settings = grown;
	memmove(&grown[at + 1], &grown[at], (s->nr_settings - at) * sizeof(*grown));
	grown[at] = (struct dp_setting){ .name = n, .value = v, .state = state };
	s->nr_settings++;
	return 0;
}

const struct dp_setting *dp_scope_setting(const struct dp_scope *s,
					  const char *name)
{
	bool found;
	size_t at = position(s, name, &found);

	return found ? &s->settings[at] : NULL;
}

const char *dp_scope_kind_name(enum dp_scope_kind kind)
{
	static const char *const names[] = {
		[DP_SCOPE_LEGACY] = "legacy",
		[DP_SCOPE_MACHINE] = "machine",
		[DP_SCOPE_ROOT] = "root",
		[DP_SCOPE_NAMED] = "named",
		[DP_SCOPE_PROCESS] = "process",
	};

	return (unsigned)kind <= DP_SCOPE_KIND_MAX ? names[kind] : "?";
}
