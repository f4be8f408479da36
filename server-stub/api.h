/* Request handlers, one file per concern: api_boot.c (boot, events),
 * api_admin.c (machines), files.c (kernels and initrds). */
#ifndef SERVER_STUB_API_H
#define SERVER_STUB_API_H

#include "http.h"

enum MHD_Result api_boot(struct request *rq);
enum MHD_Result api_events(struct request *rq);
/* rest: what follows "/api/v1/machines" ("", "/SERIAL", "/SERIAL/events") */
enum MHD_Result api_admin(struct request *rq, const char *rest);
/* rest: what follows "/api/v1/profiles", "/api/v1/pools"; the policy
 * list is one document at /api/v1/policies (api_config.c). */
enum MHD_Result api_profiles(struct request *rq, const char *rest);
enum MHD_Result api_pools(struct request *rq, const char *rest);
enum MHD_Result api_policies(struct request *rq);
/* The admin token check: MHD_YES/NO after replying 401/403, or -1 when
 * the request may go on. */
int refuse_unauthorized(struct request *rq);
/* GET /dashboard, /dashboard.js (dashboard.c) */
enum MHD_Result dashboard_serve(struct request *rq);
/* name: what follows "/files/" */
enum MHD_Result files_serve(struct request *rq, const char *name);
/* rest: what follows "/cas/": "<sha256 hex>/NAME" */
enum MHD_Result files_serve_cas(struct request *rq, const char *rest);

struct machine;
/* What a machine boots now: its own action, or its policy's. */
struct decision {
	const char *action;  /* provision, local, provision-once, hold */
	const char *profile; /* NULL when none */
	const char *policy;  /* name of the policy that decided, or NULL */
	cJSON *policies;     /* owns the strings above when from a policy */
};
/* facts: the machine's facts (may be NULL). 0 or a db_* error. */
int machine_decide(struct server *srv, const struct machine *m, const cJSON *facts,
		   struct decision *d);
void decision_free(struct decision *d);

#define POOL_MAX 1048576 /* addresses in one pool */

/* A JSON body that must be an object: NULL after replying 400. */
cJSON *parse_json_object(struct request *rq, enum MHD_Result *replied);
/* Any JSON value (same checks: UTF-8, no \u0000, nothing after it). */
cJSON *parse_json_value(struct request *rq, enum MHD_Result *replied);
/* Value of a string member, or NULL when absent or not a string. */
const char *json_string(const cJSON *obj, const char *name);

#endif
