/* POST /api/v1/boot and POST /api/v1/events: what the agent calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "api.h"
#include "db.h"
#include "decide.h"
#include "files.h"
#include "ipxe.h"
#include "listen.h"
#include "log.h"
#include "validate.h"

#define MAX_EVENT_FIELD 128   /* boot_id, stage, status */
#define MAX_EVENT_MESSAGE 4096
#define MAX_EVENT_MS 604800000.0 /* a week */
#define HOLD_RETRY_S 30

cJSON *parse_json_object(struct request *rq, enum MHD_Result *replied)
{
	cJSON *doc = parse_json_value(rq, replied);
	if (doc && !cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		*replied = reply_text(rq, MHD_HTTP_BAD_REQUEST, "body must be a JSON object");
		return NULL;
	}
	return doc;
}

cJSON *parse_json_value(struct request *rq, enum MHD_Result *replied)
{
	const char *end = NULL;

	if (rq->body.len == 0) {
		*replied = reply_text(rq, MHD_HTTP_BAD_REQUEST, "empty body: expected JSON");
		return NULL;
	}
	size_t at;
	const char *problem = json_text_problem(rq->body.data, rq->body.len, &at);
	if (problem) {
		*replied = reply_text(rq, MHD_HTTP_BAD_REQUEST, "%s (at byte %zu)", problem, at);
		return NULL;
	}
	/* The length includes the NUL terminator the buffer keeps: with
	 * require_null_terminated, cJSON then refuses anything but
	 * whitespace after the value (it fails without it). */
	cJSON *doc = cJSON_ParseWithLengthOpts(rq->body.data, rq->body.len + 1, &end, 1);
	if (!doc) {
		at = end ? (size_t)(end - rq->body.data) : 0;
		*replied = reply_text(rq, MHD_HTTP_BAD_REQUEST,
				      "body is not valid JSON (error near byte %zu)", at);
		return NULL;
	}
	return doc;
}

const char *json_string(const cJSON *obj, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* "https://host:port" as the client reached us, so the same answer
 * works for 10.0.2.2, [fd77:1::1] or localhost. */
static int files_url(struct request *rq, struct buf *out)
{
	if (rq->srv->public_url)
		return buf_printf(out, "%s", rq->srv->public_url);
	const char *host = request_header(rq, MHD_HTTP_HEADER_HOST);
	if (host && host_is_safe(host))
		return buf_printf(out, "https://%s", host);

	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	char text[INET6_ADDRSTRLEN + 8];
	if (!ci || getsockname(ci->connect_fd, (struct sockaddr *)&local, &len) < 0)
		return -1;
	sockaddr_text((struct sockaddr *)&local, 1, text, sizeof(text));
	return buf_printf(out, "https://%s", text);
}

static enum MHD_Result reply_script(struct request *rq, struct buf *script)
{
	if (script->failed)
		return reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	return reply_body(rq, MHD_HTTP_OK, "text/plain", script->data, script->len);
}

static enum MHD_Result reply_local(struct request *rq)
{
	struct buf script;
	buf_init(&script);
	ipxe_local_script(&script);
	enum MHD_Result rc = reply_script(rq, &script);
	buf_free(&script);
	return rc;
}

void decision_free(struct decision *d)
{
	cJSON_Delete(d->policies);
	memset(d, 0, sizeof(*d));
}

int machine_decide(struct server *srv, const struct machine *m, const cJSON *facts,
		   struct decision *d)
{
	char *text = NULL;

	memset(d, 0, sizeof(*d));
	if (strcmp(m->action, "policy")) {
		d->action = m->action;
		d->profile = m->profile;
		return 0;
	}
	int found = db_setting_get(srv->db, "policies", &text);
	if (found < 0)
		return found;
	d->policies = found ? cJSON_Parse(text) : NULL;
	free(text);
	const cJSON *pol = policy_find(d->policies, facts);
	if (!pol) {
		d->action = "local"; /* the default when no policy matches */
		return 0;
	}
	d->policy = json_string(pol, "name");
	d->action = json_string(pol, "action");
	d->profile = json_string(pol, "profile");
	return 0;
}

/* Values for ${...} in a profile's cmdline. */
struct tmpl_ctx {
	const char *serial, *profile, *ip, *gateway, *pool;
	char hostname[64], prefix[8], netmask[16];
	int family;
	const cJSON *facts;
};

static const char *tmpl_value(void *arg, const char *name, const char **why)
{
	struct tmpl_ctx *t = arg;
	if (!strcmp(name, "serial"))
		return t->serial;
	if (!strcmp(name, "hostname"))
		return t->hostname;
	if (!strcmp(name, "profile"))
		return t->profile;
	if (!strcmp(name, "ip") || !strcmp(name, "prefix") || !strcmp(name, "netmask") ||
	    !strcmp(name, "gateway")) {
		if (!t->ip) {
			*why = "no address pool covers the address this machine booted with";
			return NULL;
		}
		if (!strcmp(name, "ip"))
			return t->ip;
		if (!strcmp(name, "prefix"))
			return t->prefix;
		if (!strcmp(name, "netmask")) {
			if (t->family != AF_INET)
				*why = "IPv6 pools have no netmask (use ${prefix})";
			return t->family == AF_INET ? t->netmask : NULL;
		}
		if (!t->gateway)
			*why = "the address pool has no gateway";
		return t->gateway;
	}
	if (!strcmp(name, "mac")) {
		const cJSON *boot = cJSON_GetObjectItemCaseSensitive(t->facts, "boot");
		const char *mac = json_string(boot, "mac");
		return mac ? mac : "";
	}
	const char *v = json_string(t->facts, name); /* uuid, manufacturer, product */
	return v ? v : "";
}

struct pool_pick {
	const char *boot_ip;
	struct pool found;
	int have;
};

static int pick_pool(const struct pool *p, void *arg)
{
	struct pool_pick *pick = arg;
	struct ipnet net;
	if (pick->have || ipnet_parse(p->network, &net) < 0 || !ipnet_contains(&net, pick->boot_ip))
		return 0;
	pick->found = (struct pool){ strdup(p->name), strdup(p->network), strdup(p->first),
				     strdup(p->last), p->gateway ? strdup(p->gateway) : NULL };
	pick->have = 1;
	return 0;
}

/* The address this machine booted with: its own report, else the
 * address its request came from. */
static const char *boot_address(struct request *rq, const cJSON *facts)
{
	const char *ip = json_string(cJSON_GetObjectItemCaseSensitive(facts, "boot"), "ip");
	char canon[46];
	return ip && ip_canonical(ip, canon) ? ip : rq->client;
}

/* A lease from the pool whose network holds the machine's boot address.
 * 0 (t->ip set if a pool applies), or an HTTP answer already queued
 * (*replied). */
static int bind_address(struct request *rq, const char *serial, const cJSON *facts,
			struct tmpl_ctx *t, char ip[46], char gateway[46], enum MHD_Result *replied)
{
	struct pool_pick pick = { .boot_ip = boot_address(rq, facts) };
	struct ipnet net;
	uint64_t size;
	int rc = db_pools_each(rq->srv->db, pick_pool, &pick);
	if (rc < 0) {
		*replied = reply_db_error(rq, rc);
		pool_free(&pick.found);
		return -1;
	}
	if (!pick.have)
		return 0;
	const char *problem = ipnet_parse(pick.found.network, &net) < 0 ? "bad network" :
		range_problem(&net, pick.found.first, pick.found.last, POOL_MAX, &size);
	if (problem) {
		*replied = reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "address pool %s: %s",
				      pick.found.name, problem);
		pool_free(&pick.found);
		return -1;
	}
	rc = db_lease(rq->srv->db, pick.found.name, pick.found.first, size, serial, ip);
	if (rc <= 0) {
		*replied = rc < 0 ? reply_db_error(rq, rc) :
			reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   "address pool %s is full (%llu addresses)", pick.found.name,
				   (unsigned long long)size);
		pool_free(&pick.found);
		return -1;
	}
	t->ip = ip;
	t->family = net.family;
	snprintf(t->prefix, sizeof(t->prefix), "%u", net.prefix);
	if (net.family == AF_INET)
		netmask4(net.prefix, t->netmask);
	if (pick.found.gateway && ip_canonical(pick.found.gateway, gateway))
		t->gateway = gateway;
	request_note(rq, "ip=%s pool=%s", ip, pick.found.name);
	pool_free(&pick.found);
	return 0;
}

/* The kernel's ip= argument for a bound address (dracut's bracketed
 * form for IPv6), unless the template sets ip= itself. */
static void append_ip_arg(struct buf *cmdline, const char *tmpl, const struct tmpl_ctx *t)
{
	if (!t->ip || !strncmp(tmpl, "ip=", 3) || strstr(tmpl, " ip="))
		return;
	if (cmdline->len)
		buf_puts(cmdline, " ");
	if (t->family == AF_INET)
		buf_printf(cmdline, "ip=%s::%s:%s:%s::none", t->ip, t->gateway ? t->gateway : "",
			   t->netmask, t->hostname);
	else
		buf_printf(cmdline, "ip=[%s]::%s%s%s:%s:%s::none", t->ip, t->gateway ? "[" : "",
			   t->gateway ? t->gateway : "", t->gateway ? "]" : "", t->prefix, t->hostname);
}

/* The machine is to be provisioned with its profile. */
static enum MHD_Result reply_provision(struct request *rq, const struct machine *m,
				       const struct decision *d, const cJSON *facts)
{
	struct profile prof;
	struct buf url, script, cmdline;
	char kernel_sha[SHA256_HEX_LEN], initrd_sha[MAX_INITRDS][SHA256_HEX_LEN], why[256];
	char ip[46], gateway[46];
	struct tmpl_ctx t = { .serial = m->serial, .facts = facts };
	struct provision_plan plan = { 0 };
	enum MHD_Result rc;
	cJSON *initrds = NULL, *mirrors = NULL;

	int found = d->profile ? db_profile_get(rq->srv->db, d->profile, &prof) : 0;
	if (found < 0)
		return reply_db_error(rq, found);
	if (found == 0) {
		/* Booting the disk is the safe default; the log says why. */
		request_note(rq, "profile=%s missing, served local", d->profile ? d->profile : "(none)");
		return reply_local(rq);
	}
	request_note(rq, "profile=%s", prof.name);
	buf_init(&url);
	buf_init(&script);
	buf_init(&cmdline);
	initrds = cJSON_Parse(prof.initrds);
	const cJSON *item;
	cJSON_ArrayForEach(item, initrds) {
		if (!cJSON_IsString(item) || plan.n_initrds == MAX_INITRDS)
			continue;
		plan.initrd[plan.n_initrds] = item->valuestring;
		plan.initrd_sha256[plan.n_initrds] = initrd_sha[plan.n_initrds];
		plan.n_initrds++;
	}
	/* Validated when stored; checked again so a row edited behind our
	 * back cannot put words into the script. */
	mirrors = cJSON_Parse(prof.mirrors ? prof.mirrors : "[]");
	cJSON_ArrayForEach(item, mirrors) {
		if (!cJSON_IsString(item) || mirror_url_problem(item->valuestring) ||
		    plan.n_mirrors == MAX_PLAN_MIRRORS) {
			request_note(rq, "profile=%s: a stored mirror is unusable, skipped", prof.name);
			continue;
		}
		plan.mirror[plan.n_mirrors++] = item->valuestring;
	}
	if (plan.n_initrds == 0) {
		rc = reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "profile %s: no initrd", prof.name);
		goto out;
	}
	if (files_sha256(rq->srv->files_dirfd, prof.kernel, kernel_sha, why, sizeof(why)) < 0)
		goto file_error;
	for (int i = 0; i < plan.n_initrds; i++)
		if (files_sha256(rq->srv->files_dirfd, plan.initrd[i], initrd_sha[i], why,
				 sizeof(why)) < 0)
			goto file_error;
	if (files_url(rq, &url) < 0 || url.failed) {
		rc = reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot build the files URL");
		goto out;
	}
	t.profile = prof.name;
	hostname_from_serial(m->serial, t.hostname);
	if (bind_address(rq, m->serial, facts, &t, ip, gateway, &rc) < 0)
		goto out;
	if (tmpl_expand(prof.cmdline, tmpl_value, &t, &cmdline, why, sizeof(why)) < 0) {
		rc = reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "profile %s: cmdline %s",
				prof.name, why);
		goto out;
	}
	append_ip_arg(&cmdline, prof.cmdline, &t);
	if (!strcmp(d->action, "provision-once"))
		request_note(rq, "until-os-up");
	plan.base_url = url.data;
	plan.content_urls = rq->srv->content_urls;
	plan.kernel = prof.kernel;
	plan.kernel_sha256 = kernel_sha;
	plan.cmdline = cmdline.data ? cmdline.data : "";
	plan.serial = m->serial;
	ipxe_provision_script(&script, &plan);
	char now[ISO_TIME_LEN];
	iso_time(time(NULL), now);
	int marked = db_machine_mark(rq->srv->db, m->serial, 0, now);
	rc = marked < 0 ? reply_db_error(rq, marked) : reply_script(rq, &script);
	goto out;
file_error:
	rc = reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "profile %s: %s", prof.name, why);
out:
	cJSON_Delete(mirrors);
	cJSON_Delete(initrds);
	buf_free(&cmdline);
	buf_free(&script);
	buf_free(&url);
	profile_free(&prof);
	return rc;
}

enum MHD_Result api_boot(struct request *rq)
{
	enum MHD_Result rc;
	struct machine m;
	struct decision d;
	char now[ISO_TIME_LEN];

	cJSON *doc = parse_json_object(rq, &rc);
	if (!doc)
		return rc;
	const char *serial = json_string(doc, "serial");
	const char *problem = serial_problem(serial);
	if (problem) {
		rc = reply_text(rq, MHD_HTTP_BAD_REQUEST, "%s", problem);
		goto out;
	}
	request_set_serial(rq, serial);
	char *facts = cJSON_PrintUnformatted(doc);
	iso_time(time(NULL), now);
	int seen = facts ? db_machine_seen(rq->srv->db, serial, facts, now, &m) : -1;
	cJSON_free(facts);
	if (seen < 0) {
		rc = reply_db_error(rq, seen);
		goto out;
	}
	int decided = machine_decide(rq->srv, &m, doc, &d);
	if (decided < 0) {
		rc = reply_db_error(rq, decided);
		machine_free(&m);
		goto out;
	}
	request_note(rq, "action=%s", d.action);
	if (d.policy)
		request_note(rq, "policy=%s", d.policy);
	if (m.boots == 1)
		request_note(rq, "first-boot");
	if (!strcmp(d.action, "provision") || !strcmp(d.action, "provision-once"))
		rc = reply_provision(rq, &m, &d, doc);
	else if (!strcmp(d.action, "hold"))
		rc = reply_retry_after(rq, MHD_HTTP_SERVICE_UNAVAILABLE, HOLD_RETRY_S,
				       "held by the operator: ask again later");
	else
		rc = reply_local(rq);
	decision_free(&d);
	machine_free(&m);
out:
	cJSON_Delete(doc);
	return rc;
}

/* A member as text: strings as they are, numbers and booleans printed.
 * *bad is set when the member is there but of another type. */
static char *json_text(const cJSON *obj, const char *name, int *bad)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (cJSON_IsString(item))
		return strdup(item->valuestring);
	if (!cJSON_IsNumber(item) && !cJSON_IsBool(item)) {
		if (item && !cJSON_IsNull(item))
			*bad = 1;
		return NULL;
	}
	char *printed = cJSON_PrintUnformatted(item);
	char *text = printed ? strdup(printed) : NULL;
	cJSON_free(printed);
	return text;
}

/* The target says it is up: a provision-once machine (set so, or by its
 * policy) boots the local disk from now on. 0 or a db_* error. */
static int confirm_up(struct request *rq, const char *serial)
{
	struct machine m;
	struct decision d;
	char now[ISO_TIME_LEN];
	iso_time(time(NULL), now);
	int rc = db_machine_get(rq->srv->db, serial, &m);
	if (rc <= 0)
		return rc;
	if ((rc = db_machine_mark(rq->srv->db, serial, 1, now)) < 0) {
		machine_free(&m);
		return rc;
	}
	cJSON *facts = m.facts ? cJSON_Parse(m.facts) : NULL;
	rc = machine_decide(rq->srv, &m, facts, &d);
	if (rc == 0 && d.action && !strcmp(d.action, "provision-once")) {
		/* A policy's provision-once is pinned to local for this machine. */
		rc = strcmp(m.action, "policy") ? db_machine_confirm_up(rq->srv->db, serial)
			: db_machine_put(rq->srv->db, serial, "local", d.profile);
		if (rc >= 0) {
			request_note(rq, "now=local");
			rc = 0;
		}
	}
	decision_free(&d);
	cJSON_Delete(facts);
	machine_free(&m);
	return rc;
}

enum MHD_Result api_events(struct request *rq)
{
	enum MHD_Result rc;
	char now[ISO_TIME_LEN];
	static const char *const names[] = { "boot_id", "stage", "status", "message" };
	char *text[4] = { NULL };
	int bad = 0, known = 0;

	cJSON *doc = parse_json_object(rq, &rc);
	if (!doc)
		return rc;
	const char *serial = json_string(doc, "serial");
	const char *problem = serial_problem(serial);
	if (problem) {
		rc = reply_text(rq, MHD_HTTP_BAD_REQUEST, "%s", problem);
		goto out;
	}
	request_set_serial(rq, serial);
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(doc, "ms");
	if (ms && !cJSON_IsNull(ms) &&
	    (!cJSON_IsNumber(ms) || !(ms->valuedouble >= 0 && ms->valuedouble <= MAX_EVENT_MS))) {
		/* Also refuses NaN and 1e300, which no int64_t can hold. */
		rc = reply_text(rq, MHD_HTTP_BAD_REQUEST,
				"\"ms\" must be a number from 0 to %.0f", MAX_EVENT_MS);
		goto out;
	}
	for (int i = 0; i < 4; i++) {
		text[i] = json_text(doc, names[i], &bad);
		if (bad) {
			rc = reply_text(rq, MHD_HTTP_BAD_REQUEST,
					"\"%s\" must be a string, number or boolean", names[i]);
			goto out;
		}
		if (i < 3 && text[i] && strlen(text[i]) > MAX_EVENT_FIELD) {
			rc = reply_text(rq, MHD_HTTP_BAD_REQUEST, "\"%s\" is longer than %d bytes",
					names[i], MAX_EVENT_FIELD);
			goto out;
		}
	}
	if (text[3] && strlen(text[3]) > MAX_EVENT_MESSAGE) {
		text[3][utf8_cut(text[3], MAX_EVENT_MESSAGE)] = '\0';
		request_note(rq, "message-truncated");
	}
	iso_time(time(NULL), now);
	struct event e = {
		.serial = serial,
		.boot_id = text[0],
		.stage = text[1],
		.status = text[2],
		.ms = cJSON_IsNumber(ms) ? (int64_t)ms->valuedouble : -1,
		.message = text[3],
		.client = rq->client,
		.received = now,
	};
	request_note(rq, "stage=%s status=%s", e.stage ? e.stage : "-", e.status ? e.status : "-");
	struct server *srv = rq->srv;
	int stored = db_event_add(srv->db, &e, srv->events_per_machine, srv->unknown_events_kept,
				  1, &known);
	if (stored == 0 && !known) {
		/* Unknown serials could fill the disk: a few a second at most. */
		if (!unknown_event_allowed(srv)) {
			rc = reply_retry_later(rq, MHD_HTTP_TOO_MANY_REQUESTS,
					       "too many events for unknown serials");
			goto out;
		}
		request_note(rq, "unknown-serial");
		stored = db_event_add(srv->db, &e, srv->events_per_machine,
				      srv->unknown_events_kept, 0, NULL);
	}
	if (stored == 0 && known && e.stage && !strcmp(e.stage, "os-up") &&
	    (!e.status || !strcmp(e.status, "ok"))) {
		stored = confirm_up(rq, serial);
	}
	if (stored < 0)
		rc = reply_db_error(rq, stored);
	else
		rc = reply_empty(rq, MHD_HTTP_NO_CONTENT);
out:
	for (int i = 0; i < 4; i++)
		free(text[i]);
	cJSON_Delete(doc);
	return rc;
}
