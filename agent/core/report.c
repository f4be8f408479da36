/* POST /api/v1/events (see report.h). */
#include "core/report.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/err.h"
#include "core/log.h"
#include "http/http.h"

void report_event(struct agent *a, const char *stage, const char *status,
		  uint64_t ms, const char *message)
{
	cJSON *o;
	char *body, *resp = NULL;
	size_t resp_len;
	long code;
	struct sn_err e;

	if (!a->http_ready || !a->events_url[0])
		return;
	o = cJSON_CreateObject();
	if (!o)
		return;
	cJSON_AddStringToObject(o, "serial", a->id.serial);
	cJSON_AddStringToObject(o, "boot_id", a->boot_id);
	cJSON_AddStringToObject(o, "stage", stage);
	cJSON_AddStringToObject(o, "status", status);
	cJSON_AddNumberToObject(o, "ms", (double)ms);
	cJSON_AddStringToObject(o, "message", message ? message : "");
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!body)
		return;
	if (http_post(a->events_url, "application/json", body, strlen(body), &resp,
		      &resp_len, &code, &e) != SN_OK)
		logmsg("report", "event %s/%s not delivered: %s", stage, status, e.ctx);
	free(resp);
	free(body);
}
