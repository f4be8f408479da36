#include "db.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct db {
	sqlite3 *conn;
	pthread_mutex_t lock;
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
	"CREATE INDEX IF NOT EXISTS events_serial ON events(serial, id);";

int action_is_valid(const char *action)
{
	return action && (!strcmp(action, "provision") || !strcmp(action, "local") ||
			  !strcmp(action, "provision-once"));
}

static int db_fail(struct db *db, const char *what)
{
	log_msg("database: %s: %s", what, sqlite3_errmsg(db->conn));
	return -1;
}

int db_open(const char *path, struct db **out)
{
	struct db *db = calloc(1, sizeof(*db));
	if (!db)
		return -1;
	pthread_mutex_init(&db->lock, NULL);
	if (sqlite3_open_v2(path, &db->conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		log_msg("database: open %s: %s", path,
			db->conn ? sqlite3_errmsg(db->conn) : "out of memory");
		goto err_close;
	}
	/* The CLI may write while `serve` runs: wait for the lock, not fail. */
	sqlite3_busy_timeout(db->conn, 5000);
	if (sqlite3_exec(db->conn, "PRAGMA journal_mode=WAL;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db->conn, schema, NULL, NULL, NULL) != SQLITE_OK) {
		log_msg("database: %s: %s", path, sqlite3_errmsg(db->conn));
		goto err_close;
	}
	*out = db;
	return 0;
err_close:
	sqlite3_close(db->conn);
	pthread_mutex_destroy(&db->lock);
	free(db);
	return -1;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	sqlite3_close(db->conn);
	pthread_mutex_destroy(&db->lock);
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

/* Run a statement that returns no rows; return sqlite3_changes(). */
static int exec_bound(struct db *db, const char *sql, const char *const *args, int nargs)
{
	sqlite3_stmt *st = NULL;
	int changes = -1;

	pthread_mutex_lock(&db->lock);
	if (sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL) != SQLITE_OK) {
		db_fail(db, sql);
		goto out;
	}
	for (int i = 0; i < nargs; i++)
		bind_text(st, i + 1, args[i]);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(db, sql);
		goto out;
	}
	changes = sqlite3_changes(db->conn);
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->lock);
	return changes;
}

int db_profile_put(struct db *db, const struct profile *p)
{
	const char *args[] = { p->name, p->kernel, p->initrd, p->cmdline ? p->cmdline : "" };
	return exec_bound(db, "INSERT OR REPLACE INTO profiles(name, kernel, initrd, cmdline) "
			  "VALUES (?, ?, ?, ?)", args, 4) < 0 ? -1 : 0;
}

void profile_free(struct profile *p)
{
	free(p->name);
	free(p->kernel);
	free(p->initrd);
	free(p->cmdline);
	memset(p, 0, sizeof(*p));
}

int db_profile_get(struct db *db, const char *name, struct profile *out)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&db->lock);
	if (sqlite3_prepare_v2(db->conn, "SELECT name, kernel, initrd, cmdline FROM profiles "
			       "WHERE name = ?", -1, &st, NULL) != SQLITE_OK) {
		db_fail(db, "select profile");
		goto out;
	}
	bind_text(st, 1, name);
	int step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		rc = 0;
	} else if (step == SQLITE_ROW) {
		out->name = column_dup(st, 0);
		out->kernel = column_dup(st, 1);
		out->initrd = column_dup(st, 2);
		out->cmdline = column_dup(st, 3);
		rc = 1;
		if (!out->name || !out->kernel || !out->initrd || !out->cmdline) {
			profile_free(out);
			rc = -1;
		}
	} else {
		db_fail(db, "select profile");
	}
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->lock);
	return rc;
}

int db_machine_put(struct db *db, const char *serial, const char *action,
		   const char *profile, const char *addresses_json)
{
	const char *args[] = { serial, action, profile, addresses_json };
	return exec_bound(db, "INSERT INTO machines(serial, action, profile, addresses) "
			  "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(serial) DO UPDATE SET "
			  "action = ?2, profile = ?3, addresses = COALESCE(?4, addresses)",
			  args, 4) < 0 ? -1 : 0;
}

int db_machine_delete(struct db *db, const char *serial)
{
	const char *args[] = { serial };
	if (exec_bound(db, "DELETE FROM events WHERE serial = ?", args, 1) < 0)
		return -1;
	int n = exec_bound(db, "DELETE FROM machines WHERE serial = ?", args, 1);
	return n < 0 ? -1 : n > 0;
}

int db_machine_consume_once(struct db *db, const char *serial)
{
	const char *args[] = { serial };
	int n = exec_bound(db, "UPDATE machines SET action = 'local' "
			   "WHERE serial = ? AND action = 'provision-once'", args, 1);
	return n < 0 ? -1 : n > 0;
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

#define MACHINE_COLUMNS "serial, action, profile, facts, addresses, first_seen, last_seen, boots"

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

/* With the lock held: 1 found (copied to out), 0 not found. */
static int machine_get_locked(struct db *db, const char *serial, struct machine *out)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(db->conn, "SELECT " MACHINE_COLUMNS " FROM machines WHERE serial = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, "select machine");
	bind_text(st, 1, serial);
	int step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		rc = 0;
	} else if (step == SQLITE_ROW) {
		struct machine row;
		machine_from_row(st, &row);
		rc = machine_copy(&row, out) < 0 ? -1 : 1;
	} else {
		db_fail(db, "select machine");
	}
	sqlite3_finalize(st);
	return rc;
}

int db_machine_get(struct db *db, const char *serial, struct machine *out)
{
	pthread_mutex_lock(&db->lock);
	int rc = machine_get_locked(db, serial, out);
	pthread_mutex_unlock(&db->lock);
	return rc;
}

int db_machine_seen(struct db *db, const char *serial, const char *facts_json,
		    const char *now, struct machine *out)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	pthread_mutex_lock(&db->lock);
	if (sqlite3_prepare_v2(db->conn,
			       "INSERT INTO machines(serial, action, facts, first_seen, last_seen, boots) "
			       "VALUES (?1, 'local', ?2, ?3, ?3, 1) ON CONFLICT(serial) DO UPDATE SET "
			       "facts = ?2, first_seen = COALESCE(first_seen, ?3), last_seen = ?3, "
			       "boots = boots + 1", -1, &st, NULL) != SQLITE_OK) {
		db_fail(db, "record boot");
		goto out;
	}
	bind_text(st, 1, serial);
	bind_text(st, 2, facts_json);
	bind_text(st, 3, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(db, "record boot");
		goto out;
	}
	rc = machine_get_locked(db, serial, out) == 1 ? 0 : -1;
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->lock);
	return rc;
}

int db_machines_each(struct db *db, machine_fn fn, void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	pthread_mutex_lock(&db->lock);
	if (sqlite3_prepare_v2(db->conn, "SELECT " MACHINE_COLUMNS " FROM machines ORDER BY serial",
			       -1, &st, NULL) != SQLITE_OK) {
		db_fail(db, "list machines");
		goto out;
	}
	int step = SQLITE_DONE;
	rc = 0;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct machine m;
		machine_from_row(st, &m);
		rc = fn(&m, ctx);
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_fail(db, "list machines");
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->lock);
	return rc;
}

int db_event_add(struct db *db, const struct event *e)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	pthread_mutex_lock(&db->lock);
	if (sqlite3_prepare_v2(db->conn,
			       "INSERT INTO events(serial, boot_id, stage, status, ms, message, client, received) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK) {
		db_fail(db, "add event");
		goto out;
	}
	bind_text(st, 1, e->serial);
	bind_text(st, 2, e->boot_id);
	bind_text(st, 3, e->stage);
	bind_text(st, 4, e->status);
	if (e->ms >= 0)
		sqlite3_bind_int64(st, 5, e->ms);
	bind_text(st, 6, e->message);
	bind_text(st, 7, e->client);
	bind_text(st, 8, e->received);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(db, "add event");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->lock);
	return rc;
}

int db_events_each(struct db *db, const char *serial, int limit, event_fn fn, void *ctx)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	pthread_mutex_lock(&db->lock);
	if (sqlite3_prepare_v2(db->conn,
			       "SELECT * FROM (SELECT id, serial, boot_id, stage, status, ms, message, "
			       "client, received FROM events WHERE serial = ? ORDER BY id DESC LIMIT ?) "
			       "ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		db_fail(db, "list events");
		goto out;
	}
	bind_text(st, 1, serial);
	sqlite3_bind_int(st, 2, limit);
	int step = SQLITE_DONE;
	rc = 0;
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
		rc = db_fail(db, "list events");
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->lock);
	return rc;
}
