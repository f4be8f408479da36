/* POST /api/v1/boot and POST /api/v1/events: what the agent calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "api.h"
#include "db.h"
#include "files.h"
#include "ipxe.h"
#include "listen.h"
#include "log.h"
#include "validate.h"

#define MAX_EVENT_FIELD 128   /* boot_id, stage, status */
#define MAX_EVENT_MESSAGE 4096
#define MAX_EVENT_MS 604800000.0 /* a week */

cJSON *parse_json_object(struct request *rq, enum MHD_Result *replied)
{
	const char *end = NULL;

	if (rq->body.len == 0) {
		*replied = reply_text(rq, MHD_HTTP_BAD_REQUEST, "empty body: expected a JSON object");
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
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		*replied = reply_text(rq, MHD_HTTP_BAD_REQUEST, "body must be a JSON object");
		return NULL;
	}
	return doc;
}

const char *json_string(const cJSON *obj, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* "https://host:port/files" as the client reached us, so the same answer
 * works for 10.0.2.2, [fd77:1::1] or localhost. */
static int files_url(struct request *rq, struct buf *out)
{
	if (rq->srv->public_url)
		return buf_printf(out, "%s/files", rq->srv->public_url);
	const char *host = request_header(rq, MHD_HTTP_HEADER_HOST);
	if (host && host_is_safe(host))
		return buf_printf(out, "https://%s/files", host);

	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	char text[INET6_ADDRSTRLEN + 8];
	if (!ci || getsockname(ci->connect_fd, (struct sockaddr *)&local, &len) < 0)
		return -1;
	sockaddr_text((struct sockaddr *)&local, 1, text, sizeof(text));
	return buf_printf(out, "https://%s/files", text);
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

/* The machine is to be provisioned with its profile. */
static enum MHD_Result reply_provision(struct request *rq, const struct machine *m)
{
	struct profile prof;
	struct buf url, script;
	char kernel_sha[SHA256_HEX_LEN], initrd_sha[SHA256_HEX_LEN], why[256];
	enum MHD_Result rc;

	int found = m->profile ? db_profile_get(rq->srv->db, m->profile, &prof) : 0;
	if (found < 0)
		return reply_db_error(rq, found);
	if (found == 0) {
		/* Booting the disk is the safe default; the log says why. */
		request_note(rq, "profile=%s missing, served local", m->profile ? m->profile : "(none)");
		return reply_local(rq);
	}
	request_note(rq, "profile=%s", prof.name);
	buf_init(&url);
	buf_init(&script);
	if (files_sha256(rq->srv->files_dirfd, prof.kernel, kernel_sha, why, sizeof(why)) < 0 ||
	    files_sha256(rq->srv->files_dirfd, prof.initrd, initrd_sha, why, sizeof(why)) < 0) {
		rc = reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "profile %s: %s", prof.name, why);
		goto out;
	}
	if (files_url(rq, &url) < 0 || url.failed) {
		rc = reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot build the files URL");
		goto out;
	}
	if (!strcmp(m->action, "provision-once")) {
		int flipped = db_machine_consume_once(rq->srv->db, m->serial);
		if (flipped < 0) {
			rc = reply_db_error(rq, flipped);
			goto out;
		}
		if (flipped == 0) { /* a concurrent request used the one provisioning */
			request_note(rq, "once-already-used");
			rc = reply_local(rq);
			goto out;
		}
		request_note(rq, "now=local");
	}
	struct provision_plan plan = {
		.files_url = url.data,
		.kernel = prof.kernel,
		.kernel_sha256 = kernel_sha,
		.initrd = prof.initrd,
		.initrd_sha256 = initrd_sha,
		.cmdline = prof.cmdline,
		.serial = m->serial,
	};
	ipxe_provision_script(&script, &plan);
	rc = reply_script(rq, &script);
out:
	buf_free(&script);
	buf_free(&url);
	profile_free(&prof);
	return rc;
}

enum MHD_Result api_boot(struct request *rq)
{
	enum MHD_Result rc;
	struct machine m;
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
	request_note(rq, "action=%s", m.action);
	if (m.boots == 1)
		request_note(rq, "first-boot");
	if (!strcmp(m.action, "provision") || !strcmp(m.action, "provision-once"))
		rc = reply_provision(rq, &m);
	else
		rc = reply_local(rq);
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
