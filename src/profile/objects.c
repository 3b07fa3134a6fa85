/* objects — rows of qdiscs and netfilter rules of a profile (see
 * objects.h): only their release lives here; they are filled by
 * record/context.c and the profile decoder.
 */
#include <stdlib.h>

#include "dropprof/profile/objects.h"

void dp_qdisc_rows_free(struct dp_qdisc_row *v, size_t nr)
{
	for (size_t i = 0; v && i < nr; i++) {
		free(v[i].dev);
		free(v[i].kind);
	}
	free(v);
}

void dp_rule_rows_free(struct dp_rule_row *v, size_t nr)
{
	for (size_t i = 0; v && i < nr; i++) {
		free(v[i].family);
		free(v[i].table);
		free(v[i].chain);
		free(v[i].hook);
		free(v[i].text);
	}
	free(v);
}

void dp_socket_rows_free(struct dp_socket_row *v, size_t nr)
{
	for (size_t i = 0; v && i < nr; i++) {
		free(v[i].proto);
		free(v[i].local);
		free(v[i].remote);
		free(v[i].state);
		free(v[i].comm);
	}
	free(v);
}
