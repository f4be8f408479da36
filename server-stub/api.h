/* Request handlers, one file per concern: api_boot.c (boot, events),
 * api_admin.c (machines), files.c (kernels and initrds). */
#ifndef SERVER_STUB_API_H
#define SERVER_STUB_API_H

#include "http.h"

enum MHD_Result api_boot(struct request *rq);
enum MHD_Result api_events(struct request *rq);
/* rest: what follows "/api/v1/machines" ("", "/SERIAL", "/SERIAL/events") */
enum MHD_Result api_admin(struct request *rq, const char *rest);
/* name: what follows "/files/" */
enum MHD_Result files_serve(struct request *rq, const char *name);

/* A JSON body that must be an object: NULL after replying 400. */
cJSON *parse_json_object(struct request *rq, enum MHD_Result *replied);
/* Value of a string member, or NULL when absent or not a string. */
const char *json_string(const cJSON *obj, const char *name);

#endif
