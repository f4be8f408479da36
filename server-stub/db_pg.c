#include "db_pg.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "log.h"

struct conn_slot {
	struct conn_slot *next;
	PGconn *conn;
};

struct pg {
	char *uri;
	int busy_ms;
	pthread_key_t key;
	pthread_mutex_t lock;
	struct conn_slot *slots;
};

/* The same tables as the SQLite engine; leases.id keeps insertion order.
 * Several servers may run this at once: IF NOT EXISTS, and a lock. */
static const char schema[] =
	"SELECT pg_advisory_xact_lock(727001);"
	"CREATE TABLE IF NOT EXISTS profiles (name TEXT PRIMARY KEY, kernel TEXT NOT NULL,"
	"  initrd TEXT NOT NULL, cmdline TEXT NOT NULL DEFAULT '', initrds TEXT);"
	"ALTER TABLE profiles ADD COLUMN IF NOT EXISTS mirrors TEXT;"
	"CREATE TABLE IF NOT EXISTS machines (serial TEXT PRIMARY KEY,"
	"  action TEXT NOT NULL DEFAULT 'local', profile TEXT, facts TEXT, addresses TEXT,"
	"  first_seen TEXT, last_seen TEXT, boots BIGINT NOT NULL DEFAULT 0,"
	"  provisioned_at TEXT, up_at TEXT);"
	"CREATE TABLE IF NOT EXISTS events (id BIGSERIAL PRIMARY KEY, serial TEXT NOT NULL,"
	"  boot_id TEXT, stage TEXT, status TEXT, ms BIGINT, message TEXT, client TEXT,"
	"  received TEXT NOT NULL, orphan INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS events_serial ON events(serial, id);"
	"CREATE INDEX IF NOT EXISTS events_orphan ON events(orphan, id);"
	"CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS pools (name TEXT PRIMARY KEY, network TEXT NOT NULL,"
	"  first TEXT NOT NULL, last TEXT NOT NULL, gateway TEXT);"
	"CREATE TABLE IF NOT EXISTS leases (id BIGSERIAL, address TEXT PRIMARY KEY,"
	"  serial TEXT NOT NULL, pool TEXT, idx BIGINT, UNIQUE (pool, serial), UNIQUE (pool, idx));"
	"CREATE INDEX IF NOT EXISTS leases_serial ON leases(serial);";

int pg_is_uri(const char *path)
{
	return !strncmp(path, "postgresql://", 13) || !strncmp(path, "postgres://", 11);
}

static PGconn *conn(struct pg *pg)
{
	struct conn_slot *slot = pthread_getspecific(pg->key);
	if (slot)
		return slot->conn;
	slot = calloc(1, sizeof(*slot));
	if (!slot)
		return NULL;
	slot->conn = PQconnectdb(pg->uri);
	if (PQstatus(slot->conn) != CONNECTION_OK) {
		log_msg("database: %s", PQerrorMessage(slot->conn));
		PQfinish(slot->conn);
		free(slot);
		return NULL;
	}
	char set[64];
	snprintf(set, sizeof(set), "SET lock_timeout = %d", pg->busy_ms);
	PQclear(PQexec(slot->conn, set));
	pthread_mutex_lock(&pg->lock);
	slot->next = pg->slots;
	pg->slots = slot;
	pthread_mutex_unlock(&pg->lock);
	pthread_setspecific(pg->key, slot);
	return slot->conn;
}

/* A lost connection is reopened on the next call of this thread. */
static void drop_if_broken(struct pg *pg, PGconn *c)
{
	if (PQstatus(c) == CONNECTION_OK)
		return;
	struct conn_slot *slot = pthread_getspecific(pg->key);
	if (slot && slot->conn == c) {
		PQreset(c);
	}
}

/* Run sql with text parameters (NULL = SQL NULL). The result (caller
 * clears) or NULL after logging; *rc is DB_BUSY for a lock timeout. */
static PGresult *run(struct pg *pg, const char *sql, const char *const *args, int nargs, int *rc)
{
	PGconn *c = conn(pg);
	*rc = -1;
	if (!c)
		return NULL;
	PGresult *r = PQexecParams(c, sql, nargs, NULL, args, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		*rc = 0;
		return r;
	}
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	*rc = state && (!strcmp(state, "55P03") || !strcmp(state, "40001") ||
			!strcmp(state, "40P01")) ? DB_BUSY : -1;
	log_msg("database: %.60s...: %s", sql, PQerrorMessage(c));
	PQclear(r);
	drop_if_broken(pg, c);
	return NULL;
}

/* A statement without rows: affected count, or <0. */
static int exec_n(struct pg *pg, const char *sql, const char *const *args, int nargs)
{
	int rc;
	PGresult *r = run(pg, sql, args, nargs, &rc);
	if (!r)
		return rc;
	int n = atoi(PQcmdTuples(r));
	PQclear(r);
	return n;
}

static char *val(PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static char *dup_val(PGresult *r, int row, int col)
{
	char *v = val(r, row, col);
	return v ? strdup(v) : NULL;
}

int pg_open(const char *uri, int busy_ms, struct pg **out)
{
	struct pg *pg = calloc(1, sizeof(*pg));
	if (!pg || !(pg->uri = strdup(uri))) {
		free(pg);
		return -1;
	}
	pg->busy_ms = busy_ms;
	pthread_mutex_init(&pg->lock, NULL);
	pthread_key_create(&pg->key, NULL);
	PGconn *c = conn(pg);
	if (!c)
		goto err;
	PGresult *r = PQexec(c, "BEGIN");
	PQclear(r);
	r = PQexec(c, schema);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		log_msg("database: schema: %s", PQerrorMessage(c));
	PQclear(r);
	PQclear(PQexec(c, ok ? "COMMIT" : "ROLLBACK"));
	if (!ok)
		goto err;
	*out = pg;
	return 0;
err:
	pg_close(pg);
	return -1;
}

void pg_close(struct pg *pg)
{
	if (!pg)
		return;
	for (struct conn_slot *s = pg->slots, *next; s; s = next) {
		next = s->next;
		PQfinish(s->conn);
		free(s);
	}
	pthread_key_delete(pg->key);
	pthread_mutex_destroy(&pg->lock);
	free(pg->uri);
	free(pg);
}

/* --- profiles, settings, pools */

#define PROFILE_COLUMNS "name, kernel, initrd, cmdline, " \
	"COALESCE(initrds, json_build_array(initrd)::text), COALESCE(mirrors, '[]')"

int pg_profile_put(struct pg *pg, const struct profile *p)
{
	const char *args[] = { p->name, p->kernel, p->initrd, p->cmdline ? p->cmdline : "",
			       p->initrds, p->mirrors };
	int n = exec_n(pg, "INSERT INTO profiles(name, kernel, initrd, cmdline, initrds, mirrors) "
		       "VALUES ($1, $2, $3, $4, COALESCE($5, json_build_array($3::text)::text), "
		       "COALESCE($6, '[]')) "
		       "ON CONFLICT (name) DO UPDATE SET kernel = $2, initrd = $3, cmdline = $4, "
		       "initrds = COALESCE($5, json_build_array($3::text)::text), "
		       "mirrors = COALESCE($6, '[]')", args, 6);
	return n < 0 ? n : 0;
}

int pg_profile_get(struct pg *pg, const char *name, struct profile *out)
{
	const char *args[] = { name };
	int rc;
	memset(out, 0, sizeof(*out));
	PGresult *r = run(pg, "SELECT " PROFILE_COLUMNS " FROM profiles WHERE name = $1", args, 1, &rc);
	if (!r)
		return rc;
	if (PQntuples(r) == 1) {
		out->name = dup_val(r, 0, 0);
		out->kernel = dup_val(r, 0, 1);
		out->initrd = dup_val(r, 0, 2);
		out->cmdline = dup_val(r, 0, 3);
		out->initrds = dup_val(r, 0, 4);
		out->mirrors = dup_val(r, 0, 5);
		rc = 1;
		if (!out->name || !out->kernel || !out->initrd || !out->cmdline || !out->initrds ||
		    !out->mirrors) {
			profile_free(out);
			rc = -1;
		}
	}
	PQclear(r);
	return rc;
}

int pg_profile_delete(struct pg *pg, const char *name)
{
	const char *args[] = { name };
	int n = exec_n(pg, "DELETE FROM profiles WHERE name = $1", args, 1);
	return n < 0 ? n : n > 0;
}

int pg_profiles_each(struct pg *pg, profile_fn fn, void *ctx)
{
	int rc;
	PGresult *r = run(pg, "SELECT " PROFILE_COLUMNS " FROM profiles ORDER BY name", NULL, 0, &rc);
	if (!r)
		return rc;
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		struct profile p = { .name = val(r, i, 0), .kernel = val(r, i, 1),
				     .initrd = val(r, i, 2), .initrds = val(r, i, 4),
				     .cmdline = val(r, i, 3), .mirrors = val(r, i, 5) };
		rc = fn(&p, ctx);
	}
	PQclear(r);
	return rc;
}

int pg_setting_get(struct pg *pg, const char *key, char **out)
{
	const char *args[] = { key };
	int rc;
	*out = NULL;
	PGresult *r = run(pg, "SELECT value FROM settings WHERE key = $1", args, 1, &rc);
	if (!r)
		return rc;
	if (PQntuples(r) == 1)
		rc = (*out = dup_val(r, 0, 0)) ? 1 : -1;
	PQclear(r);
	return rc;
}

int pg_setting_put(struct pg *pg, const char *key, const char *value)
{
	const char *args[] = { key, value };
	int n = exec_n(pg, "INSERT INTO settings(key, value) VALUES ($1, $2) "
		       "ON CONFLICT (key) DO UPDATE SET value = $2", args, 2);
	return n < 0 ? n : 0;
}

int pg_pool_put(struct pg *pg, const struct pool *p)
{
	const char *args[] = { p->name, p->network, p->first, p->last, p->gateway };
	int n = exec_n(pg, "INSERT INTO pools(name, network, first, last, gateway) "
		       "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO UPDATE SET "
		       "network = $2, first = $3, last = $4, gateway = $5", args, 5);
	return n < 0 ? n : 0;
}

/* BEGIN; statements; COMMIT, or ROLLBACK on the first failure. */
static int begin(struct pg *pg)
{
	return exec_n(pg, "BEGIN", NULL, 0) < 0 ? -1 : 0;
}

static int finish(struct pg *pg, int rc)
{
	if (rc < 0) {
		exec_n(pg, "ROLLBACK", NULL, 0);
		return rc;
	}
	int c = exec_n(pg, "COMMIT", NULL, 0);
	return c < 0 ? c : rc;
}

int pg_pool_delete(struct pg *pg, const char *name)
{
	const char *args[] = { name };
	if (begin(pg) < 0)
		return -1;
	int n = exec_n(pg, "DELETE FROM leases WHERE pool = $1", args, 1);
	if (n >= 0)
		n = exec_n(pg, "DELETE FROM pools WHERE name = $1", args, 1);
	n = finish(pg, n);
	return n < 0 ? n : n > 0;
}

int pg_pools_each(struct pg *pg, pool_fn fn, void *ctx)
{
	int rc;
	PGresult *r = run(pg, "SELECT name, network, first, last, gateway FROM pools ORDER BY name",
			  NULL, 0, &rc);
	if (!r)
		return rc;
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		struct pool p = { val(r, i, 0), val(r, i, 1), val(r, i, 2), val(r, i, 3),
				  val(r, i, 4) };
		rc = fn(&p, ctx);
	}
	PQclear(r);
	return rc;
}

/* --- leases */

static int lease_of(struct pg *pg, const char *pool, const char *serial, char out[46])
{
	const char *args[] = { pool, serial };
	int rc;
	PGresult *r = run(pg, "SELECT address FROM leases WHERE pool = $1 AND serial = $2",
			  args, 2, &rc);
	if (!r)
		return rc;
	if (PQntuples(r) == 1) {
		snprintf(out, 46, "%s", PQgetvalue(r, 0, 0));
		rc = 1;
	}
	PQclear(r);
	return rc;
}

int pg_lease(struct pg *pg, const char *pool, const char *first, uint64_t size,
	     const char *serial, char out[46])
{
	const char *args[] = { pool };
	int rc = lease_of(pg, pool, serial, out);
	if (rc != 0)
		return rc;
	unsigned char *used = calloc((size_t)(size / 8 + 1), 1);
	if (!used)
		return -1;
	PGresult *r = run(pg, "SELECT idx FROM leases WHERE pool = $1 AND idx IS NOT NULL", args, 1,
			  &rc);
	if (!r) {
		free(used);
		return rc;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		long long idx = atoll(PQgetvalue(r, i, 0));
		if (idx >= 0 && (uint64_t)idx < size)
			used[idx / 8] |= (unsigned char)(1u << (idx % 8));
	}
	PQclear(r);
	/* Each INSERT stands alone: another server taking the same address
	 * (or leasing this serial) makes it do nothing, and we look again.
	 * The UNIQUE constraints, not this loop, keep addresses apart. */
	rc = 0;
	for (uint64_t idx = 0; idx < size; idx++) {
		if (used[idx / 8] & (1u << (idx % 8)))
			continue;
		char addr[46], num[24];
		if (ip_offset(first, idx, addr) < 0)
			break;
		snprintf(num, sizeof(num), "%llu", (unsigned long long)idx);
		const char *ins[] = { addr, serial, pool, num };
		int n = exec_n(pg, "INSERT INTO leases(address, serial, pool, idx) "
			       "VALUES ($1, $2, $3, $4::bigint) ON CONFLICT DO NOTHING", ins, 4);
		if (n < 0) {
			rc = n;
			break;
		}
		if (n == 1) {
			snprintf(out, 46, "%s", addr);
			rc = 1;
			break;
		}
		if ((rc = lease_of(pg, pool, serial, out)) != 0)
			break; /* another server leased this serial meanwhile */
	}
	free(used);
	return rc;
}

int pg_addresses_set(struct pg *pg, const char *serial, const char *addresses_json,
		     char **conflict_addr, char **taken_by)
{
	const char *args[] = { serial, addresses_json };
	int rc;
	*conflict_addr = *taken_by = NULL;
	if (begin(pg) < 0)
		return -1;
	PGresult *r = run(pg, "SELECT l.address, l.serial FROM leases l, "
			  "json_array_elements_text($2::json) j(v) WHERE l.address = j.v "
			  "AND l.serial <> $1 LIMIT 1", args, 2, &rc);
	if (r && PQntuples(r) == 1) {
		*conflict_addr = dup_val(r, 0, 0);
		*taken_by = dup_val(r, 0, 1);
		PQclear(r);
		exec_n(pg, "ROLLBACK", NULL, 0);
		return 1;
	}
	PQclear(r);
	if (rc >= 0)
		rc = exec_n(pg, "DELETE FROM leases WHERE serial = $1 AND address NOT IN "
			    "(SELECT json_array_elements_text($2::json))", args, 2);
	if (rc >= 0)
		rc = exec_n(pg, "INSERT INTO leases(address, serial) SELECT v, $1 FROM "
			    "json_array_elements_text($2::json) j(v) ON CONFLICT DO NOTHING", args, 2);
	rc = finish(pg, rc);
	return rc < 0 ? rc : 0;
}

int pg_addresses_release(struct pg *pg, const char *serial)
{
	const char *args[] = { serial };
	return exec_n(pg, "DELETE FROM leases WHERE serial = $1", args, 1);
}

/* --- machines */

#define MACHINE_COLUMNS "serial, action, profile, facts, (SELECT json_agg(address ORDER BY id)::text " \
	"FROM leases WHERE leases.serial = machines.serial), first_seen, last_seen, boots"

static void machine_row(PGresult *r, int i, struct machine *m)
{
	*m = (struct machine){ val(r, i, 0), val(r, i, 1), val(r, i, 2), val(r, i, 3),
			       val(r, i, 4), val(r, i, 5), val(r, i, 6),
			       atoll(PQgetvalue(r, i, 7)) };
}

static int machine_dup(const struct machine *src, struct machine *dst)
{
	const char *from[] = { src->serial, src->action, src->profile, src->facts,
			       src->addresses, src->first_seen, src->last_seen };
	char **to[] = { &dst->serial, &dst->action, &dst->profile, &dst->facts,
			&dst->addresses, &dst->first_seen, &dst->last_seen };
	memset(dst, 0, sizeof(*dst));
	for (int i = 0; i < 7; i++)
		if (from[i] && !(*to[i] = strdup(from[i]))) {
			machine_free(dst);
			return -1;
		}
	dst->boots = src->boots;
	return 0;
}

static int machine_query(struct pg *pg, const char *sql, const char *const *args, int nargs,
			 struct machine *out)
{
	int rc;
	memset(out, 0, sizeof(*out));
	PGresult *r = run(pg, sql, args, nargs, &rc);
	if (!r)
		return rc;
	if (PQntuples(r) >= 1) {
		struct machine row;
		machine_row(r, 0, &row);
		rc = machine_dup(&row, out) < 0 ? -1 : 1;
	}
	PQclear(r);
	return rc;
}

int pg_machine_put(struct pg *pg, const char *serial, const char *action, const char *profile)
{
	const char *args[] = { serial, action, profile };
	int n = exec_n(pg, "INSERT INTO machines(serial, action, profile) VALUES ($1, $2, $3) "
		       "ON CONFLICT (serial) DO UPDATE SET action = $2, profile = $3", args, 3);
	return n < 0 ? n : 0;
}

int pg_machine_confirm_up(struct pg *pg, const char *serial)
{
	const char *args[] = { serial };
	int n = exec_n(pg, "UPDATE machines SET action = 'local' WHERE serial = $1 AND "
		       "action = 'provision-once'", args, 1);
	return n < 0 ? n : n > 0;
}

int pg_machine_get(struct pg *pg, const char *serial, struct machine *out)
{
	const char *args[] = { serial };
	return machine_query(pg, "SELECT " MACHINE_COLUMNS " FROM machines WHERE serial = $1", args,
			     1, out);
}

int pg_machine_delete(struct pg *pg, const char *serial)
{
	const char *args[] = { serial };
	if (begin(pg) < 0)
		return -1;
	int n = exec_n(pg, "DELETE FROM events WHERE serial = $1", args, 1);
	if (n >= 0)
		n = exec_n(pg, "DELETE FROM leases WHERE serial = $1", args, 1);
	if (n >= 0)
		n = exec_n(pg, "DELETE FROM machines WHERE serial = $1", args, 1);
	n = finish(pg, n);
	return n < 0 ? n : n > 0;
}

int pg_machine_seen(struct pg *pg, const char *serial, const char *facts_json,
		    const char *now, struct machine *out)
{
	const char *args[] = { serial, facts_json, now };
	int rc = machine_query(pg, "INSERT INTO machines(serial, action, facts, first_seen, "
			       "last_seen, boots) VALUES ($1, 'policy', $2, $3, $3, 1) "
			       "ON CONFLICT (serial) DO UPDATE SET facts = $2, first_seen = "
			       "COALESCE(machines.first_seen, $3), last_seen = $3, boots = "
			       "machines.boots + 1 RETURNING serial, action, profile, facts, NULL, "
			       "first_seen, last_seen, boots", args, 3, out);
	return rc == 1 ? 0 : rc < 0 ? rc : -1;
}

int pg_machine_mark(struct pg *pg, const char *serial, int up, const char *now)
{
	const char *args[] = { now, serial };
	int n = exec_n(pg, up ? "UPDATE machines SET up_at = $1 WHERE serial = $2"
		       : "UPDATE machines SET provisioned_at = $1 WHERE serial = $2", args, 2);
	return n < 0 ? n : 0;
}

int pg_machine_times(struct pg *pg, const char *serial, char **provisioned_at, char **up_at)
{
	const char *args[] = { serial };
	int rc;
	*provisioned_at = *up_at = NULL;
	PGresult *r = run(pg, "SELECT provisioned_at, up_at FROM machines WHERE serial = $1", args,
			  1, &rc);
	if (!r)
		return rc;
	if (PQntuples(r) == 1) {
		*provisioned_at = dup_val(r, 0, 0);
		*up_at = dup_val(r, 0, 1);
		rc = 1;
	}
	PQclear(r);
	return rc;
}

int pg_machines_each(struct pg *pg, machine_fn fn, void *ctx)
{
	int rc;
	PGresult *r = run(pg, "SELECT " MACHINE_COLUMNS " FROM machines ORDER BY serial COLLATE \"C\"",
			  NULL, 0, &rc);
	if (!r)
		return rc;
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		struct machine m;
		machine_row(r, i, &m);
		rc = fn(&m, ctx);
	}
	PQclear(r);
	return rc;
}

/* --- events */

int pg_boots_each(struct pg *pg, const char *serial, int limit, boot_fn fn, void *ctx)
{
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", limit);
	const char *args[] = { serial, lim };
	int rc;
	PGresult *r = run(pg, "SELECT * FROM (SELECT boot_id, MIN(received), MAX(received), MAX(ms), "
			  "SUM(CASE WHEN status IS NOT NULL AND status NOT IN ('ok', 'skipped', "
			  "'kexec') THEN 1 ELSE 0 END), json_object_agg(COALESCE(stage, '?'), ms)::text, "
			  "MIN(id) AS first FROM events WHERE serial = $1 AND boot_id IS NOT NULL "
			  "GROUP BY boot_id ORDER BY first DESC LIMIT $2::int) b ORDER BY first",
			  args, 2, &rc);
	if (!r)
		return rc;
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		struct boot b = {
			.boot_id = val(r, i, 0), .first = val(r, i, 1), .last = val(r, i, 2),
			.ms = PQgetisnull(r, i, 3) ? -1 : atoll(PQgetvalue(r, i, 3)),
			.failures = atoi(PQgetvalue(r, i, 4)), .stages = val(r, i, 5),
		};
		rc = fn(&b, ctx);
	}
	PQclear(r);
	return rc;
}

int pg_event_add(struct pg *pg, const struct event *e, unsigned keep_per_machine,
		 unsigned keep_orphans, int only_known, int *known)
{
	const char *sargs[] = { e->serial };
	char ms[24], orphan[4], keep[16], keep_o[16];
	int rc;
	if (begin(pg) < 0)
		return -1;
	PGresult *r = run(pg, "SELECT 1 FROM machines WHERE serial = $1", sargs, 1, &rc);
	if (!r)
		return finish(pg, rc);
	int is_known = PQntuples(r) == 1;
	PQclear(r);
	if (known)
		*known = is_known;
	if (!is_known && only_known)
		return finish(pg, 0);
	snprintf(ms, sizeof(ms), "%lld", (long long)e->ms);
	snprintf(orphan, sizeof(orphan), "%d", !is_known);
	snprintf(keep, sizeof(keep), "%u", keep_per_machine);
	snprintf(keep_o, sizeof(keep_o), "%u", keep_orphans);
	const char *args[] = { e->serial, e->boot_id, e->stage, e->status, e->ms >= 0 ? ms : NULL,
			       e->message, e->client, e->received, orphan };
	rc = exec_n(pg, "INSERT INTO events(serial, boot_id, stage, status, ms, message, client, "
		    "received, orphan) VALUES ($1, $2, $3, $4, $5::bigint, $6, $7, $8, $9::int)",
		    args, 9);
	const char *targs[] = { e->serial, keep };
	if (rc >= 0)
		rc = exec_n(pg, "DELETE FROM events WHERE serial = $1 AND id <= (SELECT id FROM events "
			    "WHERE serial = $1 ORDER BY id DESC LIMIT 1 OFFSET $2::int)", targs, 2);
	const char *oargs[] = { keep_o };
	if (rc >= 0 && !is_known)
		rc = exec_n(pg, "DELETE FROM events WHERE orphan = 1 AND id <= (SELECT id FROM events "
			    "WHERE orphan = 1 ORDER BY id DESC LIMIT 1 OFFSET $1::int)", oargs, 1);
	rc = finish(pg, rc);
	return rc < 0 ? rc : 0;
}

int pg_events_each(struct pg *pg, const char *serial, int limit, event_fn fn, void *ctx)
{
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", limit);
	const char *args[] = { serial, lim };
	int rc;
	PGresult *r = run(pg, "SELECT * FROM (SELECT id, serial, boot_id, stage, status, ms, message, "
			  "client, received FROM events WHERE serial = $1 ORDER BY id DESC "
			  "LIMIT $2::int) e ORDER BY id", args, 2, &rc);
	if (!r)
		return rc;
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		struct event ev = {
			.id = atoll(PQgetvalue(r, i, 0)), .serial = val(r, i, 1),
			.boot_id = val(r, i, 2), .stage = val(r, i, 3), .status = val(r, i, 4),
			.ms = PQgetisnull(r, i, 5) ? -1 : atoll(PQgetvalue(r, i, 5)),
			.message = val(r, i, 6), .client = val(r, i, 7), .received = val(r, i, 8),
		};
		rc = fn(&ev, ctx);
	}
	PQclear(r);
	return rc;
}
