/* strlist — membership in a fixed list of strings (the tables of names
 * the code consults: gauges left out of /proc/net, drop-related
 * counters).  Header only: a loop is all there is to it. */
#ifndef DROPPROF_STRLIST_H
#define DROPPROF_STRLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define DP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* True when s is one of the nr strings of list. */
static inline bool dp_str_in(const char *s, const char *const *list, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

/* dp_str_in() on an array whose size the compiler knows. */
#define DP_STR_IN(s, list) dp_str_in(s, list, DP_ARRAY_SIZE(list))

#endif
