/* The backend's state in SQLite (WAL): profiles (what to boot), machines
 * (serial, action, facts last reported) and events the agents send. Each
 * thread gets its own connection, opened on first use, so readers never
 * wait for each other and writers wait in SQLite's busy handler, not
 * behind one mutex. Functions return DB_BUSY when the database stayed
 * locked for the busy timeout (the caller answers 503), -1 on any other
 * database error (already logged), else as documented. */
#ifndef SERVER_STUB_DB_H
#define SERVER_STUB_DB_H

#include <stdint.h>

struct db;

#define DB_BUSY (-2)

struct profile {
	char *name;
	char *kernel;   /* file name relative to the files directory */
	char *initrd;   /* the first initrd (kept for older readers) */
	char *initrds;  /* JSON array of every initrd, in order; NULL on put
			 * means [initrd] */
	char *cmdline;  /* template: ${serial}, ${ip}, ... (decide.h) */
	char *mirrors;  /* JSON array of mirror base URLs, in order; NULL on
			 * put means [] */
};

struct pool {
	char *name;
	char *network;  /* "10.77.1.0/24": machines that boot in it get a lease */
	char *first, *last; /* the addresses handed out */
	char *gateway;  /* NULL when none */
};

struct machine {
	char *serial;
	char *action;     /* "provision", "local", "provision-once", "hold", or
			   * "policy": the first matching policy decides */
	char *profile;    /* NULL when none */
	char *facts;      /* JSON text of the last boot request, or NULL */
	char *addresses;  /* JSON array of bound addresses (leases), or NULL */
	char *first_seen; /* ISO 8601 UTC, NULL until it first boots */
	char *last_seen;
	int64_t boots;
};

struct event {
	const char *serial;
	const char *boot_id;
	const char *stage;
	const char *status;
	int64_t ms;
	const char *message;
	const char *client;
	const char *received; /* ISO 8601 UTC */
	int64_t id;
};

/* provision, local, provision-once, hold (what a machine or policy may
 * say); "policy" is valid for machines too when policy_ok. */
int action_is_valid(const char *action);
int machine_action_is_valid(const char *action);

/* busy_ms: how long a statement waits for a lock before DB_BUSY. */
int db_open(const char *path, int busy_ms, struct db **out);
void db_close(struct db *db);

/* 0 stored (inserted or replaced). */
int db_profile_put(struct db *db, const struct profile *p);
/* 1 found (fill *out; free with profile_free), 0 not found. */
int db_profile_get(struct db *db, const char *name, struct profile *out);
void profile_free(struct profile *p);
/* 1 deleted, 0 not found. */
int db_profile_delete(struct db *db, const char *name);
typedef int (*profile_fn)(const struct profile *p, void *ctx);
int db_profiles_each(struct db *db, profile_fn fn, void *ctx);

/* Settings stored as text (the policy list, as JSON). 1 found (*out
 * malloc'd), 0 not found. */
int db_setting_get(struct db *db, const char *key, char **out);
int db_setting_put(struct db *db, const char *key, const char *value);

int db_pool_put(struct db *db, const struct pool *p);
/* 1 deleted (and its leases released), 0 not found. */
int db_pool_delete(struct db *db, const char *name);
typedef int (*pool_fn)(const struct pool *p, void *ctx);
int db_pools_each(struct db *db, pool_fn fn, void *ctx);
void pool_free(struct pool *p);

/* The address of serial in pool: its existing lease, or the lowest free
 * address of [first, first + size) (idx order), bound in one
 * transaction; the UNIQUE address key means no address is ever bound to
 * two machines, also with several servers on one database. 1 with out
 * set, 0 when the pool is full. */
int db_lease(struct db *db, const char *pool, const char *first, uint64_t size,
	     const char *serial, char out[46]);
/* Replace the serial's bound addresses with the canonical literals of
 * the JSON array (static, outside pools' allocation). 0, or 1 with
 * *taken_by (malloc'd) naming the machine an address belongs to. */
int db_addresses_set(struct db *db, const char *serial, const char *addresses_json,
		     char **conflict_addr, char **taken_by);
/* Release every address of serial. Returns how many. */
int db_addresses_release(struct db *db, const char *serial);

/* Upsert action/profile; keeps the machine's history and addresses.
 * 0 on success. */
int db_machine_put(struct db *db, const char *serial, const char *action,
		   const char *profile);
/* A target confirmed it is up (event stage os-up): a provision-once
 * machine goes to local. 1 changed, 0 not. */
int db_machine_confirm_up(struct db *db, const char *serial);
/* 1 found, 0 not found. */
int db_machine_get(struct db *db, const char *serial, struct machine *out);
/* 1 deleted (with its events), 0 not found. */
int db_machine_delete(struct db *db, const char *serial);
/* A boot request: register an unknown serial (action local), record the
 * time and facts, and return the machine as it is now. 0 on success. */
int db_machine_seen(struct db *db, const char *serial, const char *facts_json,
		    const char *now, struct machine *out);
void machine_free(struct machine *m);
/* Record when a provisioning script was served (up = 0) or the target
 * confirmed it is up (up = 1). 0 on success. */
int db_machine_mark(struct db *db, const char *serial, int up, const char *now);
/* Both times (malloc'd, NULL when never). 1 found, 0 no machine. */
int db_machine_times(struct db *db, const char *serial, char **provisioned_at, char **up_at);

/* One boot of a machine, from its events (grouped by boot_id). */
struct boot {
	const char *boot_id;
	const char *first, *last; /* received times of its first, last event */
	int64_t ms;               /* the largest "ms" reported: time into the boot */
	int failures;             /* events whose status is not ok/skipped/kexec */
	const char *stages;       /* JSON object stage -> ms */
};
typedef int (*boot_fn)(const struct boot *b, void *ctx);
/* The newest `limit` boots of serial, oldest first. */
int db_boots_each(struct db *db, const char *serial, int limit, boot_fn fn, void *ctx);

/* Call fn for every machine, ordered by serial. fn must not call db_*.
 * A non-zero return from fn stops the walk and is returned. */
typedef int (*machine_fn)(const struct machine *m, void *ctx);
int db_machines_each(struct db *db, machine_fn fn, void *ctx);

/* Store e, then drop the machine's events beyond keep_per_machine
 * (oldest first). An event for a serial without a machine row is an
 * orphan: at most keep_orphans of those are kept over all serials.
 * *known (may be NULL) says whether the serial has a machine row; with
 * only_known set, an orphan is not stored (returns 0, *known = 0). */
int db_event_add(struct db *db, const struct event *e, unsigned keep_per_machine,
		 unsigned keep_orphans, int only_known, int *known);
/* The newest `limit` events of a serial, oldest first. */
typedef int (*event_fn)(const struct event *e, void *ctx);
int db_events_each(struct db *db, const char *serial, int limit, event_fn fn, void *ctx);

#endif
