/* The admin API for what machines boot, behind the bearer token:
 *   GET /api/v1/profiles, GET|PUT|DELETE /api/v1/profiles/NAME
 *   GET|PUT /api/v1/policies (the ordered list, first match wins)
 *   GET /api/v1/pools, GET|PUT|DELETE /api/v1/pools/NAME */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "db.h"
#include "decide.h"

static int is_method(struct request *rq, const char *m)
{
	return !strcmp(rq->method, m);
}

/* "/NAME" -> NAME (up to 64 bytes, no further '/'), else NULL. */
static const char *one_name(const char *rest, char out[65])
{
	if (rest[0] != '/' || !rest[1] || strchr(rest + 1, '/') || strlen(rest + 1) > 64)
		return NULL;
	strcpy(out, rest + 1);
	return out;
}

/* --- profiles */

static cJSON *profile_json(const struct profile *p)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *initrds = p->initrds ? cJSON_Parse(p->initrds) : NULL;
	cJSON *mirrors = p->mirrors ? cJSON_Parse(p->mirrors) : NULL;
	if (!o) {
		cJSON_Delete(initrds);
		cJSON_Delete(mirrors);
		return NULL;
	}
	cJSON_AddStringToObject(o, "name", p->name);
	cJSON_AddStringToObject(o, "kernel", p->kernel);
	cJSON_AddItemToObject(o, "initrds", initrds ? initrds : cJSON_CreateArray());
	cJSON_AddStringToObject(o, "cmdline", p->cmdline ? p->cmdline : "");
	cJSON_AddItemToObject(o, "mirrors", mirrors ? mirrors : cJSON_CreateArray());
	return o;
}

static int add_profile(const struct profile *p, void *ctx)
{
	cJSON *o = profile_json(p);
	if (!o)
		return -1;
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

static enum MHD_Result get_profile(struct request *rq, const char *name)
{
	struct profile p;
	int found = db_profile_get(rq->srv->db, name, &p);
	if (found < 0)
		return reply_db_error(rq, found);
	if (!found)
		return reply_text(rq, MHD_HTTP_NOT_FOUND, "no profile with that name");
	cJSON *o = profile_json(&p);
	profile_free(&p);
	return reply_json(rq, MHD_HTTP_OK, o);
}

static enum MHD_Result put_profile(struct request *rq, const char *name)
{
	enum MHD_Result rc;
	char why[256];
	cJSON *doc = parse_json_object(rq, &rc);
	if (!doc)
		return rc;
	cJSON *initrds = cJSON_GetObjectItemCaseSensitive(doc, "initrds");
	const char *one = json_string(doc, "initrd");
	cJSON *made = NULL;
	if (!initrds && one) { /* "initrd": "x" for a single one */
		made = cJSON_CreateArray();
		cJSON_AddItemToArray(made, cJSON_CreateString(one));
		initrds = made;
	}
	const cJSON *mirrors = cJSON_GetObjectItemCaseSensitive(doc, "mirrors");
	if (cJSON_IsNull(mirrors))
		mirrors = NULL;
	const char *cmdline = json_string(doc, "cmdline");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(doc, "cmdline");
	const char *problem = c && !cmdline ? "\"cmdline\" must be text" :
		profile_problem(name, json_string(doc, "kernel"), initrds, cmdline, mirrors, why,
				sizeof(why));
	if (problem) {
		rc = reply_text(rq, MHD_HTTP_BAD_REQUEST, "%s", problem);
		goto out;
	}
	char *list = cJSON_PrintUnformatted(initrds);
	char *mlist = mirrors ? cJSON_PrintUnformatted(mirrors) : NULL;
	struct profile p = {
		.mirrors = mlist,
		.name = (char *)name,
		.kernel = (char *)json_string(doc, "kernel"),
		.initrd = cJSON_GetArrayItem(initrds, 0)->valuestring,
		.initrds = list,
		.cmdline = (char *)(cmdline ? cmdline : ""),
	};
	int put = list && (mlist || !mirrors) ? db_profile_put(rq->srv->db, &p) : -1;
	cJSON_free(list);
	cJSON_free(mlist);
	rc = put < 0 ? reply_db_error(rq, put) : get_profile(rq, name);
out:
	cJSON_Delete(made);
	cJSON_Delete(doc);
	return rc;
}

enum MHD_Result api_profiles(struct request *rq, const char *rest)
{
	char name[65];
	int refused = refuse_unauthorized(rq);
	if (refused >= 0)
		return (enum MHD_Result)refused;
	if (!*rest || !strcmp(rest, "/")) {
		if (!is_method(rq, MHD_HTTP_METHOD_GET))
			return reply_method_not_allowed(rq, "GET");
		cJSON *list = cJSON_CreateArray();
		int rc = list ? db_profiles_each(rq->srv->db, add_profile, list) : -1;
		if (rc) {
			cJSON_Delete(list);
			return reply_db_error(rq, rc);
		}
		return reply_json(rq, MHD_HTTP_OK, list);
	}
	if (!one_name(rest, name))
		return reply_text(rq, MHD_HTTP_NOT_FOUND, "no such endpoint");
	if (is_method(rq, MHD_HTTP_METHOD_GET))
		return get_profile(rq, name);
	if (is_method(rq, MHD_HTTP_METHOD_PUT))
		return put_profile(rq, name);
	if (is_method(rq, MHD_HTTP_METHOD_DELETE)) {
		int n = db_profile_delete(rq->srv->db, name);
		if (n < 0)
			return reply_db_error(rq, n);
		return n ? reply_empty(rq, MHD_HTTP_NO_CONTENT)
			 : reply_text(rq, MHD_HTTP_NOT_FOUND, "no profile with that name");
	}
	return reply_method_not_allowed(rq, "GET, PUT, DELETE");
}

/* --- policies */

enum MHD_Result api_policies(struct request *rq)
{
	enum MHD_Result rc;
	char why[256], *text = NULL;
	int refused = refuse_unauthorized(rq);
	if (refused >= 0)
		return (enum MHD_Result)refused;

	if (is_method(rq, MHD_HTTP_METHOD_GET)) {
		int found = db_setting_get(rq->srv->db, "policies", &text);
		if (found < 0)
			return reply_db_error(rq, found);
		rc = reply_body(rq, MHD_HTTP_OK, "application/json", found ? text : "[]",
				found ? strlen(text) : 2);
		free(text);
		return rc;
	}
	if (!is_method(rq, MHD_HTTP_METHOD_PUT))
		return reply_method_not_allowed(rq, "GET, PUT");
	cJSON *doc = parse_json_value(rq, &rc);
	if (!doc)
		return rc;
	const char *problem = policies_problem(doc, why, sizeof(why));
	/* Every profile a policy names must exist now. */
	const cJSON *pol, *walk = problem ? NULL : doc;
	cJSON_ArrayForEach(pol, walk) {
		const char *action = json_string(pol, "action");
		const char *profile = json_string(pol, "profile");
		if (strcmp(action, "provision") && strcmp(action, "provision-once"))
			continue;
		struct profile p;
		int found = profile ? db_profile_get(rq->srv->db, profile, &p) : 0;
		if (found < 0) {
			cJSON_Delete(doc);
			return reply_db_error(rq, found);
		}
		if (found) {
			profile_free(&p);
			continue;
		}
		snprintf(why, sizeof(why), "policy %s: action %s needs \"profile\": %s",
			 json_string(pol, "name"), action, profile ? "no such profile" : "missing");
		problem = why;
		break;
	}
	if (problem) {
		cJSON_Delete(doc);
		return reply_text(rq, MHD_HTTP_BAD_REQUEST, "%s", problem);
	}
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	int put = text ? db_setting_put(rq->srv->db, "policies", text) : -1;
	if (put < 0)
		rc = reply_db_error(rq, put);
	else
		rc = reply_body(rq, MHD_HTTP_OK, "application/json", text, strlen(text));
	cJSON_free(text);
	return rc;
}

/* --- pools */

static cJSON *pool_json(const struct pool *p)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "name", p->name);
	cJSON_AddStringToObject(o, "network", p->network);
	cJSON_AddStringToObject(o, "first", p->first);
	cJSON_AddStringToObject(o, "last", p->last);
	if (p->gateway)
		cJSON_AddStringToObject(o, "gateway", p->gateway);
	else
		cJSON_AddNullToObject(o, "gateway");
	return o;
}

struct pool_find {
	const char *name; /* NULL: all into list */
	cJSON *list;
};

static int add_pool(const struct pool *p, void *ctx)
{
	struct pool_find *f = ctx;
	if (f->name && strcmp(f->name, p->name))
		return 0;
	cJSON *o = pool_json(p);
	if (!o)
		return -1;
	cJSON_AddItemToArray(f->list, o);
	return 0;
}

static enum MHD_Result get_pools(struct request *rq, const char *name)
{
	struct pool_find f = { name, cJSON_CreateArray() };
	int rc = f.list ? db_pools_each(rq->srv->db, add_pool, &f) : -1;
	if (rc) {
		cJSON_Delete(f.list);
		return reply_db_error(rq, rc);
	}
	if (!name)
		return reply_json(rq, MHD_HTTP_OK, f.list);
	cJSON *one = cJSON_DetachItemFromArray(f.list, 0);
	cJSON_Delete(f.list);
	if (!one)
		return reply_text(rq, MHD_HTTP_NOT_FOUND, "no pool with that name");
	return reply_json(rq, MHD_HTTP_OK, one);
}

static enum MHD_Result put_pool(struct request *rq, const char *name)
{
	enum MHD_Result rc;
	struct ipnet net;
	uint64_t size;
	char first[46], last[46], gw[46];
	cJSON *doc = parse_json_object(rq, &rc);
	if (!doc)
		return rc;
	const char *network = json_string(doc, "network");
	const char *gateway = json_string(doc, "gateway");
	const char *problem = NULL;
	if (!network || ipnet_parse(network, &net) < 0)
		problem = "\"network\" must be an address/prefix with the host bits zero, "
			  "e.g. 10.77.1.0/24 or fd77:1::/64";
	else if (!ip_canonical(json_string(doc, "first"), first) ||
		 !ip_canonical(json_string(doc, "last"), last))
		problem = "\"first\" and \"last\" must be IP addresses";
	else if (!problem)
		problem = range_problem(&net, first, last, POOL_MAX, &size);
	if (!problem && gateway && (!ip_canonical(gateway, gw) || !ipnet_contains(&net, gw)))
		problem = "\"gateway\" must be an address in \"network\"";
	if (problem) {
		cJSON_Delete(doc);
		return reply_text(rq, MHD_HTTP_BAD_REQUEST, "%s", problem);
	}
	struct pool p = { (char *)name, (char *)network, first, last, gateway ? gw : NULL };
	int put = db_pool_put(rq->srv->db, &p);
	cJSON_Delete(doc);
	return put < 0 ? reply_db_error(rq, put) : get_pools(rq, name);
}

enum MHD_Result api_pools(struct request *rq, const char *rest)
{
	char name[65];
	int refused = refuse_unauthorized(rq);
	if (refused >= 0)
		return (enum MHD_Result)refused;
	if (!*rest || !strcmp(rest, "/"))
		return is_method(rq, MHD_HTTP_METHOD_GET) ? get_pools(rq, NULL)
			: reply_method_not_allowed(rq, "GET");
	if (!one_name(rest, name))
		return reply_text(rq, MHD_HTTP_NOT_FOUND, "no such endpoint");
	if (is_method(rq, MHD_HTTP_METHOD_GET))
		return get_pools(rq, name);
	if (is_method(rq, MHD_HTTP_METHOD_PUT))
		return put_pool(rq, name);
	if (is_method(rq, MHD_HTTP_METHOD_DELETE)) {
		int n = db_pool_delete(rq->srv->db, name);
		if (n < 0)
			return reply_db_error(rq, n);
		return n ? reply_empty(rq, MHD_HTTP_NO_CONTENT)
			 : reply_text(rq, MHD_HTTP_NOT_FOUND, "no pool with that name");
	}
	return reply_method_not_allowed(rq, "GET, PUT, DELETE");
}
