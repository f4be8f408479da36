/* The admin API, behind a bearer token:
 *   GET /api/v1/machines
 *   GET|PUT|DELETE /api/v1/machines/SERIAL
 *   GET /api/v1/machines/SERIAL/events[?limit=N] */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "db.h"
#include "decide.h"
#include "validate.h"

#define EVENTS_DEFAULT 100
#define EVENTS_MAX 1000
#define BOOTS_FOR_FLAGS 11 /* the last boot and up to 10 before it */

/* Compares every byte whatever the mismatch, so timing says nothing. */
static int token_equal(const char *given, const char *expected)
{
	size_t n = strlen(given), m = strlen(expected);
	unsigned char diff = n != m;
	for (size_t i = 0; i < m; i++)
		diff |= (unsigned char)(expected[i] ^ (i < n ? given[i] : 0));
	return diff == 0;
}

/* MHD_YES/NO after replying, or -1 when the caller may go on. */
int refuse_unauthorized(struct request *rq)
{
	struct server *srv = rq->srv;
	const char *auth = request_header(rq, MHD_HTTP_HEADER_AUTHORIZATION);
	int configured, ok = 0;

	/* SIGHUP may swap the token: compare under its lock. */
	pthread_mutex_lock(&srv->token_lock);
	configured = srv->admin_token != NULL;
	if (configured && auth && !strncmp(auth, "Bearer ", 7))
		ok = token_equal(auth + 7, srv->admin_token);
	pthread_mutex_unlock(&srv->token_lock);
	if (!configured)
		return reply_text(rq, MHD_HTTP_FORBIDDEN,
				  "admin API disabled: start serve with --admin-token-file, "
				  "--admin-token or SNBOOT_ADMIN_TOKEN");
	if (ok)
		return -1;
	struct MHD_Response *resp;
	static const char text[] = "missing or wrong bearer token\n";
	resp = MHD_create_response_from_buffer(sizeof(text) - 1, (void *)text, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"snboot\"");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	request_note(rq, "error=\"unauthorized\"");
	return reply_queue(rq, MHD_HTTP_UNAUTHORIZED, resp, sizeof(text) - 1);
}

static void add_string_or_null(cJSON *obj, const char *name, const char *value)
{
	if (value)
		cJSON_AddStringToObject(obj, name, value);
	else
		cJSON_AddNullToObject(obj, name);
}

/* Stored JSON text back into the document; null when absent. */
static void add_stored_json(cJSON *obj, const char *name, const char *text)
{
	cJSON *parsed = text ? cJSON_Parse(text) : NULL;
	if (parsed)
		cJSON_AddItemToObject(obj, name, parsed);
	else
		cJSON_AddNullToObject(obj, name);
}

/* policies: the policy list (may be NULL). "action" and "profile" are
 * what the machine boots now; "assigned" is its own setting ("policy"
 * when the policies decide) and "policy" the policy that decided. */
static cJSON *machine_json(const struct machine *m, const cJSON *policies)
{
	cJSON *obj = cJSON_CreateObject();
	if (!obj)
		return NULL;
	const char *action = m->action, *profile = m->profile, *policy = NULL;
	if (!strcmp(m->action, "policy")) {
		cJSON *facts = m->facts ? cJSON_Parse(m->facts) : NULL;
		const cJSON *pol = policy_find(policies, facts);
		cJSON_Delete(facts);
		action = pol ? json_string(pol, "action") : "local";
		profile = pol ? json_string(pol, "profile") : NULL;
		policy = pol ? json_string(pol, "name") : NULL;
	}
	cJSON_AddStringToObject(obj, "serial", m->serial);
	cJSON_AddStringToObject(obj, "action", action ? action : "local");
	add_string_or_null(obj, "profile", profile);
	cJSON_AddStringToObject(obj, "assigned", m->action);
	add_string_or_null(obj, "policy", policy);
	add_string_or_null(obj, "first_seen", m->first_seen);
	add_string_or_null(obj, "last_seen", m->last_seen);
	cJSON_AddNumberToObject(obj, "boots", (double)m->boots);
	add_stored_json(obj, "addresses", m->addresses);
	add_stored_json(obj, "facts", m->facts);
	return obj;
}

struct machine_list {
	cJSON *array;
	cJSON *policies;
};

static int add_machine_to_array(const struct machine *m, void *ctx)
{
	struct machine_list *l = ctx;
	cJSON *item = machine_json(m, l->policies);
	if (!item)
		return -1;
	cJSON_AddItemToArray(l->array, item);
	return 0;
}

static time_t parse_iso(const char *text)
{
	struct tm tm = { 0 };
	const char *end = text ? strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
	return end && !*end ? timegm(&tm) : (time_t)-1;
}

struct boot_list {
	int64_t ms[BOOTS_FOR_FLAGS];
	int n;
	cJSON *array; /* NULL: only collect durations */
};

static int collect_boot(const struct boot *b, void *ctx)
{
	struct boot_list *l = ctx;
	if (b->ms >= 0 && l->n < BOOTS_FOR_FLAGS)
		l->ms[l->n++] = b->ms;
	if (!l->array)
		return 0;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return -1;
	add_string_or_null(o, "boot_id", b->boot_id);
	add_string_or_null(o, "first", b->first);
	add_string_or_null(o, "last", b->last);
	if (b->ms >= 0)
		cJSON_AddNumberToObject(o, "ms", (double)b->ms);
	else
		cJSON_AddNullToObject(o, "ms");
	cJSON_AddNumberToObject(o, "failures", b->failures);
	add_stored_json(o, "stages", b->stages);
	cJSON_AddItemToArray(l->array, o);
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* "slow-boot": the last boot took over 1.5 times the median of the ones
 * before it (at least 3) and 2 s more. Pure over the durations. */
static int slow_boot(const int64_t *ms, int n, int64_t *median_out)
{
	int64_t prev[BOOTS_FOR_FLAGS];
	if (n < 4)
		return 0;
	memcpy(prev, ms, sizeof(ms[0]) * (size_t)(n - 1));
	qsort(prev, (size_t)(n - 1), sizeof(prev[0]), cmp_i64);
	int64_t median = prev[(n - 1) / 2];
	*median_out = median;
	return ms[n - 1] * 2 > median * 3 && ms[n - 1] - median >= 2000;
}

/* Adds "flags" (and "provisioned_at", "up_at") to a machine object.
 * 0 or a db_* error. */
static int add_flags(struct request *rq, cJSON *obj, const char *serial)
{
	char *prov = NULL, *up = NULL;
	struct boot_list l = { .n = 0 };
	int rc = db_machine_times(rq->srv->db, serial, &prov, &up);
	if (rc >= 0)
		rc = db_boots_each(rq->srv->db, serial, BOOTS_FOR_FLAGS, collect_boot, &l);
	if (rc < 0) {
		free(prov);
		free(up);
		return rc;
	}
	add_string_or_null(obj, "provisioned_at", prov);
	add_string_or_null(obj, "up_at", up);
	cJSON *flags = cJSON_AddArrayToObject(obj, "flags");
	time_t since = parse_iso(prov);
	if (prov && (!up || strcmp(up, prov) < 0) && since != (time_t)-1 &&
	    time(NULL) - since > (time_t)rq->srv->os_up_deadline)
		cJSON_AddItemToArray(flags, cJSON_CreateString("no-os-up"));
	int64_t median = 0;
	if (slow_boot(l.ms, l.n, &median))
		cJSON_AddItemToArray(flags, cJSON_CreateString("slow-boot"));
	if (l.n)
		cJSON_AddNumberToObject(obj, "last_boot_ms", (double)l.ms[l.n - 1]);
	else
		cJSON_AddNullToObject(obj, "last_boot_ms");
	free(prov);
	free(up);
	return 0;
}

static enum MHD_Result machine_boots(struct request *rq, const char *serial)
{
	struct boot_list l = { .array = cJSON_CreateArray() };
	int rc = l.array ? db_boots_each(rq->srv->db, serial, 50, collect_boot, &l) : -1;
	if (rc) {
		cJSON_Delete(l.array);
		return reply_db_error(rq, rc);
	}
	return reply_json(rq, MHD_HTTP_OK, l.array);
}

/* The stored policy list (NULL when none); 0 or a db_* error. */
static int load_policies(struct request *rq, cJSON **out)
{
	char *text = NULL;
	*out = NULL;
	int rc = db_setting_get(rq->srv->db, "policies", &text);
	if (rc > 0)
		*out = cJSON_Parse(text);
	free(text);
	return rc < 0 ? rc : 0;
}

static enum MHD_Result list_machines(struct request *rq)
{
	struct machine_list l = { cJSON_CreateArray(), NULL };
	int rc = l.array ? load_policies(rq, &l.policies) : -1;
	if (rc == 0)
		rc = db_machines_each(rq->srv->db, add_machine_to_array, &l);
	cJSON_Delete(l.policies);
	/* Flags need queries of their own: not inside the machines walk. */
	cJSON *item, *walk = rc == 0 ? l.array : NULL;
	cJSON_ArrayForEach(item, walk) {
		rc = add_flags(rq, item, cJSON_GetObjectItemCaseSensitive(item, "serial")->valuestring);
		if (rc)
			break;
	}
	if (rc != 0) {
		cJSON_Delete(l.array);
		return reply_db_error(rq, rc);
	}
	return reply_json(rq, MHD_HTTP_OK, l.array);
}

static enum MHD_Result get_machine(struct request *rq, const char *serial)
{
	struct machine m;
	int found = db_machine_get(rq->srv->db, serial, &m);
	if (found < 0)
		return reply_db_error(rq, found);
	if (!found)
		return reply_text(rq, MHD_HTTP_NOT_FOUND, "no machine with that serial");
	cJSON *policies;
	int rc = load_policies(rq, &policies);
	cJSON *doc = rc == 0 ? machine_json(&m, policies) : NULL;
	cJSON_Delete(policies);
	machine_free(&m);
	if (rc == 0 && doc)
		rc = add_flags(rq, doc, serial);
	if (rc < 0) {
		cJSON_Delete(doc);
		return reply_db_error(rq, rc);
	}
	return reply_json(rq, MHD_HTTP_OK, doc);
}

/* "addresses": an array of IPv4/IPv6 address strings, made canonical in
 * *out (a new array). NULL if valid. */
static const char *addresses_problem(const cJSON *addrs, cJSON **out)
{
	const cJSON *a;
	char canon[46];

	*out = NULL;
	if (!cJSON_IsArray(addrs) || cJSON_GetArraySize(addrs) > 16)
		return "\"addresses\" must be an array of at most 16 IP address strings";
	*out = cJSON_CreateArray();
	cJSON_ArrayForEach(a, addrs) {
		if (!cJSON_IsString(a) || !ip_canonical(a->valuestring, canon)) {
			cJSON_Delete(*out);
			*out = NULL;
			return "\"addresses\" must be an array of IP address strings";
		}
		cJSON_AddItemToArray(*out, cJSON_CreateString(canon));
	}
	return NULL;
}

static enum MHD_Result put_machine(struct request *rq, const char *serial)
{
	enum MHD_Result rc;
	struct profile prof;
	char *addresses = NULL, *conflict = NULL, *owner = NULL;
	cJSON *canon = NULL;

	cJSON *doc = parse_json_object(rq, &rc);
	if (!doc)
		return rc;
	const char *action = json_string(doc, "action");
	const char *profile = json_string(doc, "profile");
	const cJSON *addrs = cJSON_GetObjectItemCaseSensitive(doc, "addresses");
	const char *problem = addrs ? addresses_problem(addrs, &canon) : NULL;
	if (!machine_action_is_valid(action)) {
		rc = reply_text(rq, MHD_HTTP_BAD_REQUEST,
				"\"action\" must be \"provision\", \"local\", \"provision-once\", "
				"\"hold\" or \"policy\"");
		goto out;
	}
	if (problem) {
		rc = reply_text(rq, MHD_HTTP_BAD_REQUEST, "%s", problem);
		goto out;
	}
	if (!strcmp(action, "provision") || !strcmp(action, "provision-once")) {
		int found = profile ? db_profile_get(rq->srv->db, profile, &prof) : 0;
		if (found < 0) {
			rc = reply_db_error(rq, found);
			goto out;
		}
		if (!found) {
			rc = reply_text(rq, MHD_HTTP_BAD_REQUEST, "action %s needs \"profile\": %s",
					action, profile ? "no such profile" : "missing");
			goto out;
		}
		profile_free(&prof);
	}
	if (canon && !(addresses = cJSON_PrintUnformatted(canon))) {
		rc = reply_text(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		goto out;
	}
	request_note(rq, "action=%s", action);
	/* Addresses first: one bound to another machine refuses the whole
	 * request before anything changed. */
	if (addresses) {
		int set = db_addresses_set(rq->srv->db, serial, addresses, &conflict, &owner);
		if (set < 0) {
			rc = reply_db_error(rq, set);
			goto out;
		}
		if (set > 0) {
			rc = reply_text(rq, MHD_HTTP_CONFLICT, "address %s is bound to machine %s",
					conflict ? conflict : "?", owner ? owner : "?");
			goto out;
		}
	}
	int put = db_machine_put(rq->srv->db, serial, action, profile);
	if (put < 0)
		rc = reply_db_error(rq, put);
	else
		rc = get_machine(rq, serial);
out:
	free(conflict);
	free(owner);
	cJSON_free(addresses);
	cJSON_Delete(canon);
	cJSON_Delete(doc);
	return rc;
}

static enum MHD_Result delete_machine(struct request *rq, const char *serial)
{
	int deleted = db_machine_delete(rq->srv->db, serial);
	if (deleted < 0)
		return reply_db_error(rq, deleted);
	if (!deleted)
		return reply_text(rq, MHD_HTTP_NOT_FOUND, "no machine with that serial");
	return reply_empty(rq, MHD_HTTP_NO_CONTENT);
}

static int add_event_to_array(const struct event *e, void *ctx)
{
	cJSON *obj = cJSON_CreateObject();
	if (!obj)
		return -1;
	cJSON_AddNumberToObject(obj, "id", (double)e->id);
	cJSON_AddStringToObject(obj, "received", e->received);
	add_string_or_null(obj, "boot_id", e->boot_id);
	add_string_or_null(obj, "stage", e->stage);
	add_string_or_null(obj, "status", e->status);
	if (e->ms >= 0)
		cJSON_AddNumberToObject(obj, "ms", (double)e->ms);
	else
		cJSON_AddNullToObject(obj, "ms");
	add_string_or_null(obj, "message", e->message);
	add_string_or_null(obj, "client", e->client);
	cJSON_AddItemToArray(ctx, obj);
	return 0;
}

static enum MHD_Result machine_events(struct request *rq, const char *serial)
{
	int limit = EVENTS_DEFAULT;
	const char *text = request_query(rq, "limit");
	if (text) {
		char *end;
		long n = strtol(text, &end, 10);
		if (!*text || *end || n < 1 || n > EVENTS_MAX)
			return reply_text(rq, MHD_HTTP_BAD_REQUEST, "limit must be 1..%d", EVENTS_MAX);
		limit = (int)n;
	}
	cJSON *list = cJSON_CreateArray();
	int rc = list ? db_events_each(rq->srv->db, serial, limit, add_event_to_array, list) : -1;
	if (rc != 0) {
		cJSON_Delete(list);
		return reply_db_error(rq, rc);
	}
	return reply_json(rq, MHD_HTTP_OK, list);
}

static int is_method(struct request *rq, const char *m)
{
	return !strcmp(rq->method, m);
}

enum MHD_Result api_admin(struct request *rq, const char *rest)
{
	int refused = refuse_unauthorized(rq);
	if (refused >= 0)
		return (enum MHD_Result)refused;

	if (!*rest || !strcmp(rest, "/"))
		return is_method(rq, MHD_HTTP_METHOD_GET) ? list_machines(rq)
			: reply_method_not_allowed(rq, "GET");

	char serial[256];
	const char *start = rest + 1, *slash = strchr(start, '/');
	size_t n = slash ? (size_t)(slash - start) : strlen(start);
	if (n == 0 || n >= sizeof(serial))
		return reply_text(rq, MHD_HTTP_NOT_FOUND, "no such endpoint");
	memcpy(serial, start, n);
	serial[n] = '\0';
	request_set_serial(rq, serial);
	/* The boot API's rules: a serial it would refuse cannot be created,
	 * read or deleted here either. */
	const char *problem = serial_problem(serial);
	if (problem)
		return reply_text(rq, MHD_HTTP_BAD_REQUEST, "%s", problem);

	if (slash && !strcmp(slash, "/addresses")) {
		if (!is_method(rq, MHD_HTTP_METHOD_DELETE))
			return reply_method_not_allowed(rq, "DELETE");
		int released = db_addresses_release(rq->srv->db, serial);
		if (released < 0)
			return reply_db_error(rq, released);
		request_note(rq, "released=%d", released);
		return reply_empty(rq, MHD_HTTP_NO_CONTENT);
	}
	if (slash && !strcmp(slash, "/boots"))
		return is_method(rq, MHD_HTTP_METHOD_GET) ? machine_boots(rq, serial)
			: reply_method_not_allowed(rq, "GET");
	if (slash) {
		if (strcmp(slash, "/events"))
			return reply_text(rq, MHD_HTTP_NOT_FOUND, "no such endpoint");
		return is_method(rq, MHD_HTTP_METHOD_GET) ? machine_events(rq, serial)
			: reply_method_not_allowed(rq, "GET");
	}
	if (is_method(rq, MHD_HTTP_METHOD_GET))
		return get_machine(rq, serial);
	if (is_method(rq, MHD_HTTP_METHOD_PUT))
		return put_machine(rq, serial);
	if (is_method(rq, MHD_HTTP_METHOD_DELETE))
		return delete_machine(rq, serial);
	return reply_method_not_allowed(rq, "GET, PUT, DELETE");
}
