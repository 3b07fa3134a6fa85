/* names — resolve each unique address and reason value of a live profile
 * exactly once, into a symmap: collect them first (keytabs used as sets),
 * then look each up in kallsyms and the tracepoint's reason table.
 */
#include <errno.h>
#include <stdlib.h>

#include "dropprof/kernel/tp_format.h"
#include "dropprof/profile/names.h"
#include "dropprof/profile/profile.h"
#include "dropprof/symbols/ksym.h"
#include "dropprof/symbols/symmap.h"

/* Collect the unique addresses and reason values first (keytabs used as
 * sets), then resolve each exactly once. */
static int collect(const struct dp_profile *prof, struct dp_keytab *addrs,
		   struct dp_keytab *reasons)
{
	const struct dp_keytab_entry *e;
	int err = 0;

	for (e = dp_keytab_next(&prof->sites, NULL); e && !err;
	     e = dp_keytab_next(&prof->sites, e)) {
		const uint64_t *k = dp_keytab_key(&prof->sites, e);  /* [loc, reason, cpu] */

		err = dp_keytab_add(addrs, &k[0], 1, 1);
		if (!err)
			err = dp_keytab_add(reasons, &k[1], 1, 1);
	}
	for (int t = 0; t < 2; t++) {
		const struct dp_keytab *tab = t ? &prof->unstacked : &prof->stacks;
		/* [reason, location, cpu, ips...] or [..., DP_UNSTACKED_*] */
		uint32_t first = t ? UINT32_MAX : DP_STACK_KEY_HEAD;

		for (e = dp_keytab_next(tab, NULL); e && !err;
		     e = dp_keytab_next(tab, e)) {
			const uint64_t *k = dp_keytab_key(tab, e);

			err = dp_keytab_add(reasons, &k[0], 1, 1);
			/* A stack's site names a stratum without a sample;
			 * files before 2.0 have none (0). */
			if (!err && k[1])
				err = dp_keytab_add(addrs, &k[1], 1, 1);
			for (uint32_t i = first; i < e->key_len && !err; i++)
				err = dp_keytab_add(addrs, &k[i], 1, 1);
		}
	}
	return err;
}

int dp_profile_names(struct dp_symmap *m, const struct dp_profile *prof,
		     const struct dp_ksyms *ks, const struct dp_tp_format *fmt)
{
	struct dp_keytab addrs, reasons;
	const struct dp_keytab_entry *e;
	int err;

	dp_symmap_init(m);
	dp_keytab_init(&addrs, 0);
	dp_keytab_init(&reasons, 0);
	if (ks && dp_ksyms_restricted(ks)) {
		m->restricted = true;
		ks = NULL;
	}
	err = collect(prof, &addrs, &reasons);
	for (e = dp_keytab_next(&addrs, NULL); e && !err;
	     e = dp_keytab_next(&addrs, e)) {
		uint64_t addr = dp_keytab_key(&addrs, e)[0], off = 0;
		const struct dp_ksym *s = ks ? dp_ksyms_find(ks, addr, &off) : NULL;

		err = dp_symmap_add_addr(m, addr, s ? s->name : NULL,
					 s ? s->module : NULL, off);
	}
	for (e = dp_keytab_next(&reasons, NULL); e && !err;
	     e = dp_keytab_next(&reasons, e)) {
		uint64_t v = dp_keytab_key(&reasons, e)[0];
		char buf[48];

		err = dp_symmap_add_reason(m, v, dp_tp_format_reason_name(fmt, v, buf,
									 sizeof(buf)));
	}
	if (!err)
		err = dp_symmap_sort(m);
	/* Where the kernel's text ran: report --vmlinux on another machine
	 * needs it to undo KASLR. */
	if (!err && ks && !m->restricted) {
		const struct dp_ksym *k = dp_ksyms_by_name(ks, "_stext", NULL);

		m->kernel.stext = k ? k->addr : 0;
		k = dp_ksyms_by_name(ks, "_text", NULL);
		m->kernel.text = k ? k->addr : 0;
	}
	dp_keytab_release(&addrs);
	dp_keytab_release(&reasons);
	if (err)
		dp_symmap_release(m);
	return err;
}
