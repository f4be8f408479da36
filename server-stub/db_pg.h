/* The PostgreSQL engine behind db.h (libpq), chosen when --db is a
 * postgresql:// or postgres:// URI. Same functions and return values as
 * the SQLite engine in db.c, which calls these. A connection per thread;
 * several servers may share one database: every invariant (one machine
 * per address, one lease per serial and pool) is a UNIQUE constraint. */
#ifndef SERVER_STUB_DB_PG_H
#define SERVER_STUB_DB_PG_H

#include "db.h"

struct pg;

int pg_is_uri(const char *path);
int pg_open(const char *uri, int busy_ms, struct pg **out);
void pg_close(struct pg *pg);

int pg_profile_put(struct pg *pg, const struct profile *p);
int pg_profile_get(struct pg *pg, const char *name, struct profile *out);
int pg_profile_delete(struct pg *pg, const char *name);
int pg_profiles_each(struct pg *pg, profile_fn fn, void *ctx);
int pg_setting_get(struct pg *pg, const char *key, char **out);
int pg_setting_put(struct pg *pg, const char *key, const char *value);
int pg_pool_put(struct pg *pg, const struct pool *p);
int pg_pool_delete(struct pg *pg, const char *name);
int pg_pools_each(struct pg *pg, pool_fn fn, void *ctx);
int pg_lease(struct pg *pg, const char *pool, const char *first, uint64_t size,
	     const char *serial, char out[46]);
int pg_addresses_set(struct pg *pg, const char *serial, const char *addresses_json,
		     char **conflict_addr, char **taken_by);
int pg_addresses_release(struct pg *pg, const char *serial);
int pg_machine_put(struct pg *pg, const char *serial, const char *action, const char *profile);
int pg_machine_confirm_up(struct pg *pg, const char *serial);
int pg_machine_get(struct pg *pg, const char *serial, struct machine *out);
int pg_machine_delete(struct pg *pg, const char *serial);
int pg_machine_seen(struct pg *pg, const char *serial, const char *facts_json,
		    const char *now, struct machine *out);
int pg_machine_mark(struct pg *pg, const char *serial, int up, const char *now);
int pg_machine_times(struct pg *pg, const char *serial, char **provisioned_at, char **up_at);
int pg_machines_each(struct pg *pg, machine_fn fn, void *ctx);
int pg_boots_each(struct pg *pg, const char *serial, int limit, boot_fn fn, void *ctx);
int pg_event_add(struct pg *pg, const struct event *e, unsigned keep_per_machine,
		 unsigned keep_orphans, int only_known, int *known);
int pg_events_each(struct pg *pg, const char *serial, int limit, event_fn fn, void *ctx);

#endif
