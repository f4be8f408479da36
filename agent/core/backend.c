/* The network stage and the boot API call (see backend.h). */
#include "core/backend.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/facts.h"
#include "core/log.h"
#include "core/report.h"
#include "core/syslog.h"
#include "http/api.h"
#include "http/http.h"
#include "http/urlutil.h"

/* DHCP option 7: every line from here on also goes to that syslog server. */
static void use_log_server(struct agent *a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(SYSLOG_PORT) };
	char addr[INET_ADDRSTRLEN];

	if (a->net.lease.family != AF_INET || !a->net.lease.log4.s_addr) {
		log_remote(NULL, 0, NULL);
		return;
	}
	sin.sin_addr = a->net.lease.log4;
	log_remote((const struct sockaddr *)&sin, sizeof(sin), a->id.serial);
	logmsg("net", "logging to syslog server %s:%d (DHCP option 7)",
	       inet_ntop(AF_INET, &sin.sin_addr, addr, sizeof(addr)), SYSLOG_PORT);
}

int backend_network(struct agent *a, struct sn_err *e)
{
	const char *url;
	int rc;

	if (!a->have_net) {
		rc = net_run(&a->cfg, &a->id, &a->net, e);
		if (rc != SN_OK)
			return rc;
		a->have_net = 1;
		use_log_server(a);
	}
	url = a->cfg.url[0] ? a->cfg.url : a->net.lease.boot_url;
	if (!url[0])
		return sn_fail(e, SN_E_NO_URL, "lease on %s has no boot URL and snboot.url is unset",
			       a->net.lease.ifname);
	rc = api_boot_url_trust(url, a->cfg.allow_http, a->boot_url, sizeof(a->boot_url), e);
	if (rc != SN_OK)
		return rc;
	api_events_url(a->boot_url, a->events_url, sizeof(a->events_url), NULL);
	url_for_log(a->boot_url, a->boot_url_log, sizeof(a->boot_url_log));  /* no tokens in logs */
	logmsg("net", "backend %s (from %s)", a->boot_url_log,
	       a->cfg.url[0] ? "snboot.url" : "DHCP");
	return SN_OK;
}

int backend_ask(struct agent *a, char **script, size_t *script_len, struct sn_err *e)
{
	uint64_t t0 = mono_ms();
	long status = 0;
	char *body;
	int rc;

	if (!a->http_ready) {
		rc = http_init_config(&a->cfg, e);
		if (rc != SN_OK)
			return rc;
		a->http_ready = 1;
	}
	body = facts_json(&a->id, a->net.nics, a->net.n_nics, a->net.winner, &a->net.lease,
			  a->boot_id, a->attempt);
	if (!body)
		return sn_fail(e, SN_E_NOMEM, "building the facts JSON");
	logmsg("api", "POST %s (serial %s, attempt %d)", a->boot_url_log,
	       a->id.serial[0] ? a->id.serial : "none", a->attempt);
	rc = http_post(a->boot_url, "application/json", body, strlen(body), script,
		       script_len, &status, e);
	free(body);
	if (rc != SN_OK)
		return rc;
	logmsg("api", "HTTP %ld, %zu bytes of script", status, *script_len);
	log_stage_done("api", mono_ms() - t0);
	report_event(a, "api", "ok", mono_ms() - t0, NULL);
	return SN_OK;
}
