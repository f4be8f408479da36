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

#define MAX_SERIAL 128

cJSON *parse_json_object(struct request *rq, enum MHD_Result *replied)
{
	const char *end = NULL;

	if (rq->body.len == 0) {
		*replied = reply_text(rq, MHD_HTTP_BAD_REQUEST, "empty body: expected a JSON object");
		return NULL;
	}
	cJSON *doc = cJSON_ParseWithLengthOpts(rq->body.data, rq->body.len, &end, 0);
	if (!doc) {
		size_t at = end ? (size_t)(end - rq->body.data) : 0;
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

/* NULL if the serial is usable, else why not. */
static const char *serial_problem(const char *serial)
{
	if (!serial)
		return "missing \"serial\" (a string)";
	size_t n = strlen(serial);
	if (n == 0)
		return "\"serial\" is empty";
	if (n > MAX_SERIAL)
		return "\"serial\" is longer than 128 bytes";
	for (const unsigned char *p = (const unsigned char *)serial; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "\"serial\" holds control characters";
	return NULL;
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
		return reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "database error");
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
			rc = reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "database error");
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
		rc = reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "database error");
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

/* A member as text: strings as they are, numbers and booleans printed. */
static char *json_text(const cJSON *obj, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (cJSON_IsString(item))
		return strdup(item->valuestring);
	if (!cJSON_IsNumber(item) && !cJSON_IsBool(item))
		return NULL;
	char *printed = cJSON_PrintUnformatted(item);
	char *text = printed ? strdup(printed) : NULL;
	cJSON_free(printed);
	return text;
}

enum MHD_Result api_events(struct request *rq)
{
	enum MHD_Result rc;
	char now[ISO_TIME_LEN];

	cJSON *doc = parse_json_object(rq, &rc);
	if (!doc)
		return rc;
	const char *serial = json_string(doc, "serial");
	const char *problem = serial_problem(serial);
	if (problem) {
		rc = reply_text(rq, MHD_HTTP_BAD_REQUEST, "%s", problem);
		goto out_doc;
	}
	request_set_serial(rq, serial);
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(doc, "ms");
	if (ms && !cJSON_IsNumber(ms) && !cJSON_IsNull(ms)) {
		rc = reply_text(rq, MHD_HTTP_BAD_REQUEST, "\"ms\" must be a number");
		goto out_doc;
	}
	char *boot_id = json_text(doc, "boot_id");
	char *stage = json_text(doc, "stage");
	char *status = json_text(doc, "status");
	char *message = json_text(doc, "message");
	iso_time(time(NULL), now);
	struct event e = {
		.serial = serial,
		.boot_id = boot_id,
		.stage = stage,
		.status = status,
		.ms = cJSON_IsNumber(ms) && ms->valuedouble >= 0 ? (int64_t)ms->valuedouble : -1,
		.message = message,
		.client = rq->client,
		.received = now,
	};
	request_note(rq, "stage=%s status=%s", stage ? stage : "-", status ? status : "-");
	if (db_event_add(rq->srv->db, &e) < 0)
		rc = reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "database error");
	else
		rc = reply_empty(rq, MHD_HTTP_NO_CONTENT);
	free(boot_id);
	free(stage);
	free(status);
	free(message);
out_doc:
	cJSON_Delete(doc);
	return rc;
}
