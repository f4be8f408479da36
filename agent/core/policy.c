/* One attempt is: network (until a lease is held), ask the backend, run its
 * script. What the attempt came to picks the next step:
 *
 *   network deadline passed           -> local disk
 *   script chose the disk (sanboot, exit)  -> local disk (that drive)
 *   script failed                     -> local disk, or ask again when
 *                                        snboot.script_error=retry
 *   backend unreachable, refused, ... -> ask again; after
 *                                        snboot.local_timeout without a
 *                                        decision -> local disk
 *
 * The local path returns only when nothing local could be booted; then
 * the network starts over (a switch rebooting with the rack comes back).
 * Between attempts: capped exponential backoff with jitter. */
#include "core/policy.h"
#include "core/shell.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/localboot.h"
#include "boot/source.h"
#include "core/backend.h"
#include "core/log.h"
#include "core/report.h"
#include "http/http.h"

static void say_error(const char *stage, const struct sn_err *e)
{
	char buf[512];

	logmsg(stage, "%s", sn_format(e, buf, sizeof(buf)));
}

/* Capped exponential backoff with ±25% jitter: thousands of machines
 * retrying after a power event must not stay in step. A backend that said
 * Retry-After (503 when full) is not asked sooner than that, up to the
 * cap; the jitter still spreads the herd. */
static void backoff_sleep(const struct config *cfg, int failures, unsigned retry_after_s)
{
	unsigned cap_ms = cfg->retry_max_s * 1000u;
	unsigned ms = 2000;

	for (int i = 1; i < failures && ms < cap_ms; i++)
		ms *= 2;
	if (ms > cap_ms)
		ms = cap_ms;
	ms = ms * 3 / 4 + (unsigned)(random() % (ms / 2 + 1));
	if (retry_after_s) {
		unsigned want = retry_after_s < cfg->retry_max_s ? retry_after_s : cfg->retry_max_s;
		if (ms < want * 1000u) {
			ms = want * 1000u + (unsigned)(random() % (want * 250u + 1));
			logmsg("retry", "the backend asked to wait %u s (Retry-After)", retry_after_s);
		}
	}
	logmsg("retry", "next attempt in %u.%01u s", ms / 1000, (ms % 1000) / 100);
	mono_sleep_ms(ms);
}

/* One attempt; fills r with where it ended. */
static void attempt(struct agent *a, struct source_result *r)
{
	struct sn_err e;
	char *script = NULL;
	size_t len = 0;

	memset(r, 0, sizeof(*r));
	r->end = SOURCE_RETRY;
	r->drive = 0x80;
	sn_clear(&e);
	if (backend_network(a, &e) != SN_OK) {
		say_error("net", &e);
		if (e.code == SN_E_DEADLINE) {
			r->end = SOURCE_LOCAL;
			snprintf(r->reason, sizeof(r->reason), "no lease before snboot.net_timeout");
		}
		return;
	}
	if (backend_ask(a, &script, &len, &e) != SN_OK) {
		say_error("api", &e);
		r->retry_after_s = http_retry_after_s();
		return;
	}
	netsource_run(a, script, len, r);
	free(script);
}

void policy_run(struct agent *a)
{
	int failures = 0;
	uint64_t undecided_since = mono_ms();

	for (a->attempt = 1;; a->attempt++) {
		struct source_result r;
		int go_local;

		attempt(a, &r);
		go_local = r.end == SOURCE_LOCAL;
		if (r.end == SOURCE_FAILED) {
			if (strcmp(a->cfg.script_error, "retry") == 0) {
				logmsg("retry", "the script failed; asking the backend again "
				       "(snboot.script_error=retry)");
			} else {
				logmsg("local", "the script failed; taking the local disk as "
				       "iPXE would (snboot.script_error=local)");
				go_local = 1;
			}
		}
		/* No decision for local_timeout: the disk is better than
		 * waiting forever for a backend that may never answer. */
		if (!go_local && a->cfg.local_timeout_s &&
		    mono_ms() - undecided_since >= a->cfg.local_timeout_s * 1000ull) {
			logmsg("local", "no decision from the backend in %u s (snboot.local_timeout)",
			       a->cfg.local_timeout_s);
			go_local = 1;
		}
		if (go_local) {
			struct sn_err le;

			sn_clear(&le);
			undecided_since = mono_ms();
			if (localboot_run(a, r.drive, &le) != SN_OK) {
				say_error("local", &le);
				report_event(a, "local", "failed", 0, le.ctx);
			}
			/* A network that failed may come back (a switch
			 * rebooting with the rack): start it over. */
			a->have_net = 0;
		}
		shell_on_failure(a, "the attempt failed; shell_on_failure = 1");
		backoff_sleep(&a->cfg, ++failures, r.retry_after_s);
	}
}
