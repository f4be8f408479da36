#include "db.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_pg.h"
#include "decide.h"
#include "log.h"

/* Every connection a thread opened, so db_close can close those of
 * threads that are gone. */
struct conn_slot {
	struct conn_slot *next;
	sqlite3 *conn;
};

struct db {
	struct pg *pg; /* the PostgreSQL engine, or NULL for SQLite */
	char *path;
	int busy_ms;
	pthread_key_t key; /* this thread's struct conn_slot */
	pthread_mutex_t lock;
	struct conn_slot *slots;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS profiles ("
	"  name TEXT PRIMARY KEY,"
	"  kernel TEXT NOT NULL,"
	"  initrd TEXT NOT NULL,"
	"  cmdline TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE IF NOT EXISTS machines ("
	"  serial TEXT PRIMARY KEY,"
	"  action TEXT NOT NULL DEFAULT 'local',"
	"  profile TEXT,"
	"  facts TEXT,"
	"  addresses TEXT,"
	"  first_seen TEXT,"
	"  last_seen TEXT,"
	"  boots INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS events ("
	"  id INTEGER PRIMARY KEY,"
	"  serial TEXT NOT NULL,"
	"  boot_id TEXT,"
	"  stage TEXT,"
	"  status TEXT,"
	"  ms INTEGER,"
	"  message TEXT,"
	"  client TEXT,"
	"  received TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS events_serial ON events(serial, id);"
	"CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS pools ("
	"  name TEXT PRIMARY KEY,"
	"  network TEXT NOT NULL,"
	"  first TEXT NOT NULL,"
	"  last TEXT NOT NULL,"
	"  gateway TEXT);"
	/* address is the key: one machine per address, whatever the pool. */
	"CREATE TABLE IF NOT EXISTS leases ("
	"  address TEXT PRIMARY KEY,"
	"  serial TEXT NOT NULL,"
	"  pool TEXT,"
	"  idx INTEGER,"
	"  UNIQUE (pool, serial),"
	"  UNIQUE (pool, idx));"
	"CREATE INDEX IF NOT EXISTS leases_serial ON leases(serial);";

/* Columns added after the first release: applied when missing. */
static const char *const migrations[] = {
	"ALTER TABLE events ADD COLUMN orphan INTEGER NOT NULL DEFAULT 0",
	"CREATE INDEX IF NOT EXISTS events_orphan ON events(orphan, id)",
	"ALTER TABLE profiles ADD COLUMN initrds TEXT",
	/* addresses set through the admin API before leases existed */
	"INSERT OR IGNORE INTO leases(address, serial) SELECT j.value, m.serial FROM machines m, "
	"json_each(m.addresses) j WHERE m.addresses IS NOT NULL",
	"UPDATE machines SET addresses = NULL WHERE addresses IS NOT NULL",
	"ALTER TABLE machines ADD COLUMN provisioned_at TEXT",
	"ALTER TABLE machines ADD COLUMN up_at TEXT",
	"ALTER TABLE profiles ADD COLUMN mirrors TEXT",
};

int action_is_valid(const char *action)
{
	return action && (!strcmp(action, "provision") || !strcmp(action, "local") ||
			  !strcmp(action, "provision-once") || !strcmp(action, "hold"));
}

int machine_action_is_valid(const char *action)
{
	return action_is_valid(action) || (action && !strcmp(action, "policy"));
}

static int fail(sqlite3 *c, const char *what)
{
	int code = sqlite3_errcode(c);
	if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
		log_msg("database: %s: %s (busy timeout reached)", what, sqlite3_errmsg(c));
		return DB_BUSY;
	}
	log_msg("database: %s: %s", what, sqlite3_errmsg(c));
	return -1;
}

static sqlite3 *open_conn(struct db *db)
{
	sqlite3 *c = NULL;
	if (sqlite3_open_v2(db->path, &c, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		log_msg("database: open %s: %s", db->path, c ? sqlite3_errmsg(c) : "out of memory");
		sqlite3_close(c);
		return NULL;
	}
	sqlite3_busy_timeout(c, db->busy_ms);
	sqlite3_exec(c, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", NULL, NULL, NULL);
	return c;
}

/* This thread's connection, opened on first use; NULL after logging. */
static sqlite3 *conn(struct db *db)
{
	struct conn_slot *slot = pthread_getspecific(db->key);
	if (slot)
		return slot->conn;
	slot = calloc(1, sizeof(*slot));
	if (!slot || !(slot->conn = open_conn(db))) {
		free(slot);
		return NULL;
	}
	pthread_mutex_lock(&db->lock);
	slot->next = db->slots;
	db->slots = slot;
	pthread_mutex_unlock(&db->lock);
	pthread_setspecific(db->key, slot);
	return slot->conn;
}

int db_open(const char *path, int busy_ms, struct db **out)
{
	struct db *db = calloc(1, sizeof(*db));
	if (!db || !(db->path = strdup(path))) {
		free(db);
		return -1;
	}
	if (pg_is_uri(path)) {
		if (pg_open(path, busy_ms, &db->pg) < 0) {
			free(db->path);
			free(db);
			return -1;
		}
		*out = db;
		return 0;
	}
	db->busy_ms = busy_ms;
	pthread_mutex_init(&db->lock, NULL);
	/* No destructor: connections are closed by db_close, after every
	 * worker thread has stopped. */
	if (pthread_key_create(&db->key, NULL) != 0) {
		free(db->path);
		free(db);
		return -1;
	}
	sqlite3 *c = conn(db);
	if (!c)
		goto err;
	/* WAL: readers do not block the writer nor each other, and the CLI
	 * can write while `serve` runs. */
	if (sqlite3_exec(c, "PRAGMA journal_mode=WAL;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(c, schema, NULL, NULL, NULL) != SQLITE_OK) {
		log_msg("database: %s: %s", path, sqlite3_errmsg(c));
		goto err;
	}
	for (size_t i = 0; i < sizeof(migrations) / sizeof(migrations[0]); i++) {
		if (sqlite3_exec(c, migrations[i], NULL, NULL, NULL) != SQLITE_OK &&
		    !strstr(sqlite3_errmsg(c), "duplicate column")) {
			log_msg("database: %s: %s", path, sqlite3_errmsg(c));
			goto err;
		}
	}
	*out = db;
	return 0;
err:
	db_close(db);
	return -1;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	if (db->pg) {
		pg_close(db->pg);
		free(db->path);
		free(db);
		return;
	}
	for (struct conn_slot *s = db->slots, *next; s; s = next) {
		next = s->next;
		sqlite3_close(s->conn);
		free(s);
	}
	pthread_key_delete(db->key);
	pthread_mutex_destroy(&db->lock);
	free(db->path);
	free(db);
}

static char *column_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *text = sqlite3_column_text(st, col);
	return text ? strdup((const char *)text) : NULL;
}

static void bind_text(sqlite3_stmt *st, int idx, const char *s)
{
	if (s)
		sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, idx);
}

static int prepare(sqlite3 *c, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(c, sql, -1, st, NULL) != SQLITE_OK)
		return fail(c, sql);
	return 0;
}

/* Run a statement that returns no rows; return sqlite3_changes(). */
static int exec_on(sqlite3 *c, const char *sql, const char *const *args, int nargs)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(c, sql, &st);
	if (rc < 0)
		return rc;
	for (int i = 0; i < nargs; i++)
		bind_text(st, i + 1, args[i]);
	rc = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(c) : fail(c, sql);
	sqlite3_finalize(st);
	return rc;
}

static int exec_bound(struct db *db, const char *sql, const char *const *args, int nargs)
{
	sqlite3 *c = conn(db);
	return c ? exec_on(c, sql, args, nargs) : -1;
}

int db_profile_put(struct db *db, const struct profile *p)
{
	if (db->pg)
		return pg_profile_put(db->pg, p);
	const char *args[] = { p->name, p->kernel, p->initrd, p->cmdline ? p->cmdline : "",
			       p->initrds, p->mirrors };
	int rc = exec_bound(db, "INSERT OR REPLACE INTO profiles(name, kernel, initrd, cmdline, "
			    "initrds, mirrors) VALUES (?1, ?2, ?3, ?4, COALESCE(?5, json_array(?3)), "
			    "COALESCE(?6, '[]'))", args, 6);
	return rc < 0 ? rc : 0;
}

int db_profile_delete(struct db *db, const char *name)
{
	if (db->pg)
		return pg_profile_delete(db->pg, name);
	const char *args[] = { name };
	int n = exec_bound(db, "DELETE FROM profiles WHERE name = ?", args, 1);
	return n < 0 ? n : n > 0;
}

#define PROFILE_COLUMNS "name, kernel, initrd, cmdline, COALESCE(initrds, json_array(initrd)), " \
	"COALESCE(mirrors, '[]')"

int db_profiles_each(struct db *db, profile_fn fn, void *ctx)
{
	if (db->pg)
		return pg_profiles_each(db->pg, fn, ctx);
	sqlite3_stmt *st = NULL;
	sqlite3 *c = conn(db);
	if (!c)
		return -1;
	int rc = prepare(c, "SELECT " PROFILE_COLUMNS " FROM profiles ORDER BY name", &st);
	if (rc < 0)
		return rc;
	int step = SQLITE_DONE;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct profile p = {
			.name = (char *)sqlite3_column_text(st, 0),
			.kernel = (char *)sqlite3_column_text(st, 1),
			.initrd = (char *)sqlite3_column_text(st, 2),
			.cmdline = (char *)sqlite3_column_text(st, 3),
			.initrds = (char *)sqlite3_column_text(st, 4),
			.mirrors = (char *)sqlite3_column_text(st, 5),
		};
		rc = fn(&p, ctx);
	}
	if (!rc && step != SQLITE_DONE)
		rc = fail(c, "list profiles");
	sqlite3_finalize(st);
	return rc;
}

int db_setting_get(struct db *db, const char *key, char **out)
{
	if (db->pg)
		return pg_setting_get(db->pg, key, out);
	sqlite3_stmt *st = NULL;
	sqlite3 *c = conn(db);
	*out = NULL;
	if (!c)
		return -1;
	int rc = prepare(c, "SELECT value FROM settings WHERE key = ?", &st);
	if (rc < 0)
		return rc;
	bind_text(st, 1, key);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = (*out = column_dup(st, 0)) ? 1 : -1;
	else if (step == SQLITE_DONE)
		rc = 0;
	else
		rc = fail(c, "read setting");
	sqlite3_finalize(st);
	return rc;
}

int db_setting_put(struct db *db, const char *key, const char *value)
{
	if (db->pg)
		return pg_setting_put(db->pg, key, value);
	const char *args[] = { key, value };
	int rc = exec_bound(db, "INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", args, 2);
	return rc < 0 ? rc : 0;
}

void pool_free(struct pool *p)
{
	free(p->name);
	free(p->network);
	free(p->first);
	free(p->last);
	free(p->gateway);
	memset(p, 0, sizeof(*p));
}

int db_pool_put(struct db *db, const struct pool *p)
{
	if (db->pg)
		return pg_pool_put(db->pg, p);
	const char *args[] = { p->name, p->network, p->first, p->last, p->gateway };
	int rc = exec_bound(db, "INSERT OR REPLACE INTO pools(name, network, first, last, gateway) "
			    "VALUES (?, ?, ?, ?, ?)", args, 5);
	return rc < 0 ? rc : 0;
}

int db_pool_delete(struct db *db, const char *name)
{
	if (db->pg)
		return pg_pool_delete(db->pg, name);
	const char *args[] = { name };
	sqlite3 *c = conn(db);
	if (!c)
		return -1;
	int rc = exec_on(c, "BEGIN IMMEDIATE", NULL, 0);
	if (rc < 0)
		return rc;
	rc = exec_on(c, "DELETE FROM leases WHERE pool = ?", args, 1);
	int n = rc < 0 ? rc : exec_on(c, "DELETE FROM pools WHERE name = ?", args, 1);
	if (n < 0 || (rc = exec_on(c, "COMMIT", NULL, 0)) < 0) {
		exec_on(c, "ROLLBACK", NULL, 0);
		return n < 0 ? n : rc;
	}
	return n > 0;
}

int db_pools_each(struct db *db, pool_fn fn, void *ctx)
{
	if (db->pg)
		return pg_pools_each(db->pg, fn, ctx);
	sqlite3_stmt *st = NULL;
	sqlite3 *c = conn(db);
	if (!c)
		return -1;
	int rc = prepare(c, "SELECT name, network, first, last, gateway FROM pools ORDER BY name", &st);
	if (rc < 0)
		return rc;
	int step = SQLITE_DONE;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct pool p = {
			.name = (char *)sqlite3_column_text(st, 0),
			.network = (char *)sqlite3_column_text(st, 1),
			.first = (char *)sqlite3_column_text(st, 2),
			.last = (char *)sqlite3_column_text(st, 3),
			.gateway = (char *)sqlite3_column_text(st, 4),
		};
		rc = fn(&p, ctx);
	}
	if (!rc && step != SQLITE_DONE)
		rc = fail(c, "list pools");
	sqlite3_finalize(st);
	return rc;
}

/* One text column of a one-row query into out (46 bytes). 1, 0 none. */
static int query_addr(sqlite3 *c, const char *sql, const char *const *args, int nargs,
		      char out[46])
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(c, sql, &st);
	if (rc < 0)
		return rc;
	for (int i = 0; i < nargs; i++)
		bind_text(st, i + 1, args[i]);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		snprintf(out, 46, "%s", t ? (const char *)t : "");
		rc = 1;
	} else {
		rc = step == SQLITE_DONE ? 0 : fail(c, sql);
	}
	sqlite3_finalize(st);
	return rc;
}

int db_lease(struct db *db, const char *pool, const char *first, uint64_t size,
	     const char *serial, char out[46])
{
	if (db->pg)
		return pg_lease(db->pg, pool, first, size, serial, out);
	const char *args[] = { pool, serial };
	sqlite3_stmt *st = NULL;
	unsigned char *used = NULL;
	sqlite3 *c = conn(db);
	if (!c)
		return -1;
	int rc = exec_on(c, "BEGIN IMMEDIATE", NULL, 0);
	if (rc < 0)
		return rc;
	rc = query_addr(c, "SELECT address FROM leases WHERE pool = ? AND serial = ?", args, 2, out);
	if (rc != 0)
		goto done; /* found (1) or failed */
	/* The pool's taken offsets, then the lowest free one. */
	used = calloc((size_t)(size / 8 + 1), 1);
	if (!used) {
		rc = -1;
		goto done;
	}
	if ((rc = prepare(c, "SELECT idx FROM leases WHERE pool = ? AND idx IS NOT NULL", &st)) < 0)
		goto done;
	bind_text(st, 1, pool);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 idx = sqlite3_column_int64(st, 0);
		if (idx >= 0 && (uint64_t)idx < size)
			used[idx / 8] |= (unsigned char)(1u << (idx % 8));
	}
	sqlite3_finalize(st);
	st = NULL;
	if (step != SQLITE_DONE) {
		rc = fail(c, "read leases");
		goto done;
	}
	rc = 0;
	for (uint64_t idx = 0; idx < size; idx++) {
		if (used[idx / 8] & (1u << (idx % 8)))
			continue;
		char addr[46], num[24];
		if (ip_offset(first, idx, addr) < 0)
			break;
		snprintf(num, sizeof(num), "%llu", (unsigned long long)idx);
		const char *ins[] = { addr, serial, pool, num };
		int n = exec_on(c, "INSERT OR IGNORE INTO leases(address, serial, pool, idx) "
				"VALUES (?, ?, ?, CAST(? AS INTEGER))", ins, 4);
		if (n < 0) {
			rc = n;
			goto done;
		}
		if (n == 1) { /* else bound statically to some machine: next */
			snprintf(out, 46, "%s", addr);
			rc = 1;
			break;
		}
	}
done:
	free(used);
	if (rc < 0 || exec_on(c, "COMMIT", NULL, 0) < 0) {
		exec_on(c, "ROLLBACK", NULL, 0);
		return rc < 0 ? rc : -1;
	}
	return rc;
}

int db_addresses_set(struct db *db, const char *serial, const char *addresses_json,
		     char **conflict_addr, char **taken_by)
{
	if (db->pg)
		return pg_addresses_set(db->pg, serial, addresses_json, conflict_addr, taken_by);
	const char *args[] = { serial, addresses_json };
	sqlite3_stmt *st = NULL;
	sqlite3 *c = conn(db);
	*conflict_addr = *taken_by = NULL;
	if (!c)
		return -1;
	int rc = exec_on(c, "BEGIN IMMEDIATE", NULL, 0);
	if (rc < 0)
		return rc;
	/* An address another machine holds: refused, nothing changes. */
	rc = prepare(c, "SELECT l.address, l.serial FROM leases l, json_each(?2) j "
		     "WHERE l.address = j.value AND l.serial <> ?1 LIMIT 1", &st);
	if (rc < 0)
		goto rollback;
	bind_text(st, 1, serial);
	bind_text(st, 2, addresses_json);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		*conflict_addr = column_dup(st, 0);
		*taken_by = column_dup(st, 1);
		rc = 1;
	} else if (step != SQLITE_DONE) {
		rc = fail(c, "check addresses");
	}
	sqlite3_finalize(st);
	if (rc)
		goto rollback;
	if ((rc = exec_on(c, "DELETE FROM leases WHERE serial = ?1 AND address NOT IN "
			  "(SELECT value FROM json_each(?2))", args, 2)) < 0 ||
	    (rc = exec_on(c, "INSERT OR IGNORE INTO leases(address, serial) "
			  "SELECT value, ?1 FROM json_each(?2)", args, 2)) < 0 ||
	    (rc = exec_on(c, "COMMIT", NULL, 0)) < 0)
		goto rollback;
	return 0;
rollback:
	exec_on(c, "ROLLBACK", NULL, 0);
	return rc;
}

int db_addresses_release(struct db *db, const char *serial)
{
	if (db->pg)
		return pg_addresses_release(db->pg, serial);
	const char *args[] = { serial };
	return exec_bound(db, "DELETE FROM leases WHERE serial = ?", args, 1);
}

void profile_free(struct profile *p)
{
	free(p->name);
	free(p->kernel);
	free(p->initrd);
	free(p->cmdline);
	free(p->initrds);
	free(p->mirrors);
	memset(p, 0, sizeof(*p));
}

int db_profile_get(struct db *db, const char *name, struct profile *out)
{
	if (db->pg)
		return pg_profile_get(db->pg, name, out);
	sqlite3_stmt *st = NULL;
	sqlite3 *c = conn(db);

	memset(out, 0, sizeof(*out));
	if (!c)
		return -1;
	int rc = prepare(c, "SELECT " PROFILE_COLUMNS " FROM profiles WHERE name = ?", &st);
	if (rc < 0)
		return rc;
	bind_text(st, 1, name);
	int step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		rc = 0;
	} else if (step == SQLITE_ROW) {
		out->name = column_dup(st, 0);
		out->kernel = column_dup(st, 1);
		out->initrd = column_dup(st, 2);
		out->cmdline = column_dup(st, 3);
		out->initrds = column_dup(st, 4);
		out->mirrors = column_dup(st, 5);
		rc = 1;
		if (!out->name || !out->kernel || !out->initrd || !out->cmdline || !out->initrds ||
		    !out->mirrors) {
			profile_free(out);
			rc = -1;
		}
	} else {
		rc = fail(c, "select profile");
	}
	sqlite3_finalize(st);
	return rc;
}

int db_machine_put(struct db *db, const char *serial, const char *action,
		   const char *profile)
{
	if (db->pg)
		return pg_machine_put(db->pg, serial, action, profile);
	const char *args[] = { serial, action, profile };
	int rc = exec_bound(db, "INSERT INTO machines(serial, action, profile) "
			    "VALUES (?1, ?2, ?3) ON CONFLICT(serial) DO UPDATE SET "
			    "action = ?2, profile = ?3", args, 3);
	return rc < 0 ? rc : 0;
}

int db_machine_delete(struct db *db, const char *serial)
{
	if (db->pg)
		return pg_machine_delete(db->pg, serial);
	const char *args[] = { serial };
	sqlite3 *c = conn(db);
	if (!c)
		return -1;
	int rc = exec_on(c, "BEGIN IMMEDIATE", NULL, 0);
	if (rc < 0)
		return rc;
	rc = exec_on(c, "DELETE FROM events WHERE serial = ?", args, 1);
	if (rc >= 0)
		rc = exec_on(c, "DELETE FROM leases WHERE serial = ?", args, 1);
	int n = rc < 0 ? rc : exec_on(c, "DELETE FROM machines WHERE serial = ?", args, 1);
	if (n < 0) {
		exec_on(c, "ROLLBACK", NULL, 0);
		return n;
	}
	rc = exec_on(c, "COMMIT", NULL, 0);
	if (rc < 0) {
		exec_on(c, "ROLLBACK", NULL, 0);
		return rc;
	}
	return n > 0;
}

int db_machine_mark(struct db *db, const char *serial, int up, const char *now)
{
	if (db->pg)
		return pg_machine_mark(db->pg, serial, up, now);
	const char *args[] = { now, serial };
	int n = exec_bound(db, up ? "UPDATE machines SET up_at = ? WHERE serial = ?"
			   : "UPDATE machines SET provisioned_at = ? WHERE serial = ?", args, 2);
	return n < 0 ? n : 0;
}

int db_machine_times(struct db *db, const char *serial, char **provisioned_at, char **up_at)
{
	if (db->pg)
		return pg_machine_times(db->pg, serial, provisioned_at, up_at);
	sqlite3_stmt *st = NULL;
	sqlite3 *c = conn(db);
	*provisioned_at = *up_at = NULL;
	if (!c)
		return -1;
	int rc = prepare(c, "SELECT provisioned_at, up_at FROM machines WHERE serial = ?", &st);
	if (rc < 0)
		return rc;
	bind_text(st, 1, serial);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		*provisioned_at = column_dup(st, 0);
		*up_at = column_dup(st, 1);
		rc = 1;
	} else {
		rc = step == SQLITE_DONE ? 0 : fail(c, "machine times");
	}
	sqlite3_finalize(st);
	return rc;
}

int db_boots_each(struct db *db, const char *serial, int limit, boot_fn fn, void *ctx)
{
	if (db->pg)
		return pg_boots_each(db->pg, serial, limit, fn, ctx);
	sqlite3_stmt *st = NULL;
	sqlite3 *c = conn(db);
	if (!c)
		return -1;
	int rc = prepare(c, "SELECT * FROM (SELECT boot_id, MIN(received), MAX(received), MAX(ms), "
			 "SUM(status IS NOT NULL AND status NOT IN ('ok', 'skipped', 'kexec')), "
			 "json_group_object(COALESCE(stage, '?'), ms), MIN(id) AS first "
			 "FROM events WHERE serial = ? AND boot_id IS NOT NULL GROUP BY boot_id "
			 "ORDER BY first DESC LIMIT ?) ORDER BY first", &st);
	if (rc < 0)
		return rc;
	bind_text(st, 1, serial);
	sqlite3_bind_int(st, 2, limit);
	int step = SQLITE_DONE;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct boot b = {
			.boot_id = (const char *)sqlite3_column_text(st, 0),
			.first = (const char *)sqlite3_column_text(st, 1),
			.last = (const char *)sqlite3_column_text(st, 2),
			.ms = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 3),
			.failures = sqlite3_column_int(st, 4),
			.stages = (const char *)sqlite3_column_text(st, 5),
		};
		rc = fn(&b, ctx);
	}
	if (!rc && step != SQLITE_DONE)
		rc = fail(c, "list boots");
	sqlite3_finalize(st);
	return rc;
}

int db_machine_confirm_up(struct db *db, const char *serial)
{
	if (db->pg)
		return pg_machine_confirm_up(db->pg, serial);
	const char *args[] = { serial };
	int n = exec_bound(db, "UPDATE machines SET action = 'local' "
			   "WHERE serial = ? AND action = 'provision-once'", args, 1);
	return n < 0 ? n : n > 0;
}

void machine_free(struct machine *m)
{
	free(m->serial);
	free(m->action);
	free(m->profile);
	free(m->facts);
	free(m->addresses);
	free(m->first_seen);
	free(m->last_seen);
	memset(m, 0, sizeof(*m));
}

#define MACHINE_COLUMNS "serial, action, profile, facts, (SELECT json_group_array(address) " \
	"FROM (SELECT address FROM leases WHERE leases.serial = machines.serial ORDER BY rowid) " \
	"HAVING COUNT(*) > 0), first_seen, last_seen, boots"
/* RETURNING cannot hold subqueries: addresses are not needed there. */
#define MACHINE_RETURNED "serial, action, profile, facts, NULL, first_seen, last_seen, boots"

/* Fills borrowed pointers: valid until the next step of st. */
static void machine_from_row(sqlite3_stmt *st, struct machine *m)
{
	char **fields[] = { &m->serial, &m->action, &m->profile, &m->facts,
			    &m->addresses, &m->first_seen, &m->last_seen };
	for (int i = 0; i < 7; i++)
		*fields[i] = (char *)sqlite3_column_text(st, i);
	m->boots = sqlite3_column_int64(st, 7);
}

static int machine_copy(const struct machine *src, struct machine *dst)
{
	memset(dst, 0, sizeof(*dst));
	const char *from[] = { src->serial, src->action, src->profile, src->facts,
			       src->addresses, src->first_seen, src->last_seen };
	char **to[] = { &dst->serial, &dst->action, &dst->profile, &dst->facts,
			&dst->addresses, &dst->first_seen, &dst->last_seen };
	for (int i = 0; i < 7; i++) {
		if (from[i] && !(*to[i] = strdup(from[i]))) {
			machine_free(dst);
			return -1;
		}
	}
	dst->boots = src->boots;
	return 0;
}

/* A statement returning at most one machine row: 1 (copied), 0 none. */
static int machine_query(struct db *db, const char *sql, const char *const *args, int nargs,
			 struct machine *out)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *c = conn(db);

	memset(out, 0, sizeof(*out));
	if (!c)
		return -1;
	int rc = prepare(c, sql, &st);
	if (rc < 0)
		return rc;
	for (int i = 0; i < nargs; i++)
		bind_text(st, i + 1, args[i]);
	int step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		rc = 0;
	} else if (step == SQLITE_ROW) {
		struct machine row;
		machine_from_row(st, &row);
		rc = machine_copy(&row, out) < 0 ? -1 : 1;
		/* Finish the statement so an INSERT ... RETURNING commits. */
		while ((step = sqlite3_step(st)) == SQLITE_ROW)
			;
		if (step != SQLITE_DONE) {
			machine_free(out);
			rc = fail(c, sql);
		}
	} else {
		rc = fail(c, sql);
	}
	sqlite3_finalize(st);
	return rc;
}

int db_machine_get(struct db *db, const char *serial, struct machine *out)
{
	if (db->pg)
		return pg_machine_get(db->pg, serial, out);
	const char *args[] = { serial };
	return machine_query(db, "SELECT " MACHINE_COLUMNS " FROM machines WHERE serial = ?",
			     args, 1, out);
}

int db_machine_seen(struct db *db, const char *serial, const char *facts_json,
		    const char *now, struct machine *out)
{
	if (db->pg)
		return pg_machine_seen(db->pg, serial, facts_json, now, out);
	const char *args[] = { serial, facts_json, now };
	/* One statement, so the answer is the row this request wrote. */
	int rc = machine_query(db,
			       "INSERT INTO machines(serial, action, facts, first_seen, last_seen, boots) "
			       "VALUES (?1, 'policy', ?2, ?3, ?3, 1) ON CONFLICT(serial) DO UPDATE SET "
			       "facts = ?2, first_seen = COALESCE(first_seen, ?3), last_seen = ?3, "
			       "boots = boots + 1 RETURNING " MACHINE_RETURNED, args, 3, out);
	return rc == 1 ? 0 : rc < 0 ? rc : -1;
}

int db_machines_each(struct db *db, machine_fn fn, void *ctx)
{
	if (db->pg)
		return pg_machines_each(db->pg, fn, ctx);
	sqlite3_stmt *st = NULL;
	sqlite3 *c = conn(db);
	if (!c)
		return -1;
	int rc = prepare(c, "SELECT " MACHINE_COLUMNS " FROM machines ORDER BY serial", &st);
	if (rc < 0)
		return rc;
	int step = SQLITE_DONE;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct machine m;
		machine_from_row(st, &m);
		rc = fn(&m, ctx);
	}
	if (!rc && step != SQLITE_DONE)
		rc = fail(c, "list machines");
	sqlite3_finalize(st);
	return rc;
}

static int event_insert(sqlite3 *c, const struct event *e, int orphan)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(c, "INSERT INTO events(serial, boot_id, stage, status, ms, message, "
			 "client, received, orphan) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
	if (rc < 0)
		return rc;
	bind_text(st, 1, e->serial);
	bind_text(st, 2, e->boot_id);
	bind_text(st, 3, e->stage);
	bind_text(st, 4, e->status);
	if (e->ms >= 0)
		sqlite3_bind_int64(st, 5, e->ms);
	bind_text(st, 6, e->message);
	bind_text(st, 7, e->client);
	bind_text(st, 8, e->received);
	sqlite3_bind_int(st, 9, orphan);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(c, "add event");
	sqlite3_finalize(st);
	return rc;
}

/* Keep the newest `keep` rows of a selection of events. */
static int event_trim(sqlite3 *c, const char *sql, const char *serial, unsigned keep)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(c, sql, &st);
	if (rc < 0)
		return rc;
	int idx = 1;
	if (serial)
		bind_text(st, idx++, serial);
	sqlite3_bind_int64(st, idx, (sqlite3_int64)keep);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(c, "trim events");
	sqlite3_finalize(st);
	return rc;
}

int db_event_add(struct db *db, const struct event *e, unsigned keep_per_machine,
		 unsigned keep_orphans, int only_known, int *known)
{
	if (db->pg)
		return pg_event_add(db->pg, e, keep_per_machine, keep_orphans, only_known, known);
	sqlite3_stmt *st = NULL;
	sqlite3 *c = conn(db);
	if (!c)
		return -1;
	int rc = exec_on(c, "BEGIN IMMEDIATE", NULL, 0);
	if (rc < 0)
		return rc;
	rc = prepare(c, "SELECT 1 FROM machines WHERE serial = ?", &st);
	if (rc < 0)
		goto rollback;
	bind_text(st, 1, e->serial);
	int step = sqlite3_step(st);
	sqlite3_finalize(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		rc = fail(c, "add event");
		goto rollback;
	}
	int is_known = step == SQLITE_ROW;
	if (known)
		*known = is_known;
	if (!is_known && only_known) {
		rc = 0;
		goto rollback;
	}
	if ((rc = event_insert(c, e, !is_known)) < 0)
		goto rollback;
	/* Bounded: the newest events of this serial, and of all orphans. */
	rc = event_trim(c, "DELETE FROM events WHERE serial = ?1 AND id <= (SELECT id FROM events "
			"WHERE serial = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)", e->serial,
			keep_per_machine);
	if (rc == 0 && !is_known)
		rc = event_trim(c, "DELETE FROM events WHERE orphan = 1 AND id <= (SELECT id FROM "
				"events WHERE orphan = 1 ORDER BY id DESC LIMIT 1 OFFSET ?1)", NULL,
				keep_orphans);
	if (rc < 0)
		goto rollback;
	rc = exec_on(c, "COMMIT", NULL, 0);
	if (rc < 0)
		goto rollback;
	return 0;
rollback:
	exec_on(c, "ROLLBACK", NULL, 0);
	return rc;
}

int db_events_each(struct db *db, const char *serial, int limit, event_fn fn, void *ctx)
{
	if (db->pg)
		return pg_events_each(db->pg, serial, limit, fn, ctx);
	sqlite3_stmt *st = NULL;
	sqlite3 *c = conn(db);
	if (!c)
		return -1;
	int rc = prepare(c, "SELECT * FROM (SELECT id, serial, boot_id, stage, status, ms, message, "
			 "client, received FROM events WHERE serial = ? ORDER BY id DESC LIMIT ?) "
			 "ORDER BY id", &st);
	if (rc < 0)
		return rc;
	bind_text(st, 1, serial);
	sqlite3_bind_int(st, 2, limit);
	int step = SQLITE_DONE;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct event e = {
			.id = sqlite3_column_int64(st, 0),
			.serial = (const char *)sqlite3_column_text(st, 1),
			.boot_id = (const char *)sqlite3_column_text(st, 2),
			.stage = (const char *)sqlite3_column_text(st, 3),
			.status = (const char *)sqlite3_column_text(st, 4),
			.ms = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 5),
			.message = (const char *)sqlite3_column_text(st, 6),
			.client = (const char *)sqlite3_column_text(st, 7),
			.received = (const char *)sqlite3_column_text(st, 8),
		};
		rc = fn(&e, ctx);
	}
	if (!rc && step != SQLITE_DONE)
		rc = fail(c, "list events");
	sqlite3_finalize(st);
	return rc;
}
