/* serve: the HTTPS backend until SIGTERM or SIGINT; SIGHUP reloads. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "db.h"
#include "hashcache.h"
#include "http.h"
#include "listen.h"
#include "log.h"

#define MAX_LISTEN 16
#define MAX_PEM (1 << 20)
#define MAX_OWNED 64
#define FD_RESERVE 64 /* descriptors kept for the database, files, logs */

#define DEFAULT_TLS "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

enum { OPT_CONFIG = 1, OPT_DB, OPT_CERT, OPT_KEY, OPT_LISTEN, OPT_FILES, OPT_PUBLIC_URL,
       OPT_ADMIN_TOKEN, OPT_ADMIN_TOKEN_FILE, OPT_THREADS, OPT_MAX_CONN, OPT_PER_IP,
       OPT_IDLE, OPT_REQUEST, OPT_GRACE, OPT_BUSY, OPT_TLS, OPT_EVENTS_KEEP,
       OPT_UNKNOWN_RATE, OPT_UNKNOWN_KEPT, OPT_OS_UP, OPT_CONTENT_URLS, OPT_HELP = 'h' };

static const struct option serve_opts[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "db", required_argument, NULL, OPT_DB },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "files", required_argument, NULL, OPT_FILES },
	{ "public-url", required_argument, NULL, OPT_PUBLIC_URL },
	{ "admin-token", required_argument, NULL, OPT_ADMIN_TOKEN },
	{ "admin-token-file", required_argument, NULL, OPT_ADMIN_TOKEN_FILE },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONN },
	{ "per-ip-limit", required_argument, NULL, OPT_PER_IP },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE },
	{ "request-timeout", required_argument, NULL, OPT_REQUEST },
	{ "shutdown-grace", required_argument, NULL, OPT_GRACE },
	{ "db-busy-timeout", required_argument, NULL, OPT_BUSY },
	{ "tls-priorities", required_argument, NULL, OPT_TLS },
	{ "events-per-machine", required_argument, NULL, OPT_EVENTS_KEEP },
	{ "unknown-events-rate", required_argument, NULL, OPT_UNKNOWN_RATE },
	{ "unknown-events-kept", required_argument, NULL, OPT_UNKNOWN_KEPT },
	{ "os-up-deadline", required_argument, NULL, OPT_OS_UP },
	{ "content-urls", required_argument, NULL, OPT_CONTENT_URLS },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

struct serve_config {
	const char *db, *cert, *key, *files, *admin_token, *admin_token_file, *tls;
	char *public_url;
	struct listen_addr listen[MAX_LISTEN];
	int nlisten;
	int listen_from_cli; /* a --listen flag replaces the config file's */
	unsigned threads, max_conn, per_ip, idle, request, grace, busy_ms;
	unsigned events_keep, unknown_rate, unknown_kept, os_up, content_urls;
	char *owned[MAX_OWNED]; /* strings read from the config file */
	int nowned;
};

/* An unsigned number in [min, max], or -1. */
static long parse_count(const char *text, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (!*text || *end || errno || v < min || v > max)
		return -1;
	return v;
}

/* Apply one setting (from a flag or a config line). NULL, or why not
 * (written to why). */
static const char *apply(struct serve_config *cfg, int opt, const char *value, int from_cli,
			 char *why, size_t whylen)
{
	static const struct { int opt; long min, max; size_t off; } counts[] = {
		{ OPT_THREADS, 1, 256, offsetof(struct serve_config, threads) },
		{ OPT_MAX_CONN, 1, 1000000, offsetof(struct serve_config, max_conn) },
		{ OPT_PER_IP, 1, 1000000, offsetof(struct serve_config, per_ip) },
		{ OPT_IDLE, 1, 3600, offsetof(struct serve_config, idle) },
		{ OPT_REQUEST, 1, 3600, offsetof(struct serve_config, request) },
		{ OPT_GRACE, 0, 3600, offsetof(struct serve_config, grace) },
		{ OPT_BUSY, 0, 600000, offsetof(struct serve_config, busy_ms) },
		{ OPT_EVENTS_KEEP, 1, 1000000, offsetof(struct serve_config, events_keep) },
		{ OPT_UNKNOWN_RATE, 0, 100000, offsetof(struct serve_config, unknown_rate) },
		{ OPT_UNKNOWN_KEPT, 0, 100000000, offsetof(struct serve_config, unknown_kept) },
		{ OPT_OS_UP, 1, 604800, offsetof(struct serve_config, os_up) },
		{ OPT_CONTENT_URLS, 0, 1, offsetof(struct serve_config, content_urls) },
	};
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		if (counts[i].opt != opt)
			continue;
		long v = parse_count(value, counts[i].min, counts[i].max);
		if (v < 0) {
			snprintf(why, whylen, "'%s': expected a whole number from %ld to %ld", value,
				 counts[i].min, counts[i].max);
			return why;
		}
		*(unsigned *)((char *)cfg + counts[i].off) = (unsigned)v;
		return NULL;
	}
	switch (opt) {
	case OPT_DB: cfg->db = value; break;
	case OPT_CERT: cfg->cert = value; break;
	case OPT_KEY: cfg->key = value; break;
	case OPT_FILES: cfg->files = value; break;
	case OPT_PUBLIC_URL: cfg->public_url = (char *)value; break;
	case OPT_ADMIN_TOKEN:
		if (!*value)
			return "must not be empty";
		cfg->admin_token = value;
		break;
	case OPT_ADMIN_TOKEN_FILE: cfg->admin_token_file = value; break;
	case OPT_TLS: cfg->tls = value; break;
	case OPT_LISTEN:
		if (from_cli && !cfg->listen_from_cli) {
			cfg->listen_from_cli = 1;
			cfg->nlisten = 0;
		}
		if (cfg->nlisten == MAX_LISTEN)
			return "at most 16 listen addresses";
		if (listen_parse(value, &cfg->listen[cfg->nlisten], why, whylen) < 0)
			return why;
		cfg->nlisten++;
		break;
	default:
		return "not a setting";
	}
	return NULL;
}

static int option_by_name(const char *name)
{
	for (const struct option *o = serve_opts; o->name; o++)
		if (!strcmp(o->name, name) && o->val != OPT_CONFIG && o->val != OPT_HELP)
			return o->val;
	return -1;
}

static const char *option_name(int val)
{
	for (const struct option *o = serve_opts; o->name; o++)
		if (o->val == val)
			return o->name;
	return "?";
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* "key = value" lines, '#' comments; keys are the long option names.
 * 0, or EXIT_USAGE/1 after a message naming the file and line. */
static int read_config(const struct command *cmd, const char *path, struct serve_config *cfg)
{
	char line[4096], why[256];
	int lineno = 0;

	FILE *f = fopen(path, "re");
	if (!f) {
		log_msg("--config %s: %s", path, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			fclose(f);
			return cli_usage_error(cmd, "%s:%d: line too long", path, lineno);
		}
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			fclose(f);
			return cli_usage_error(cmd, "%s:%d: expected 'key = value'", path, lineno);
		}
		*eq = '\0';
		char *key = trim(s), *value = trim(eq + 1);
		int opt = option_by_name(key);
		if (opt < 0) {
			fclose(f);
			return cli_usage_error(cmd, "%s:%d: unknown setting '%s'", path, lineno, key);
		}
		if (cfg->nowned == MAX_OWNED || !(cfg->owned[cfg->nowned] = strdup(value))) {
			fclose(f);
			return cli_usage_error(cmd, "%s:%d: too many settings", path, lineno);
		}
		const char *problem = apply(cfg, opt, cfg->owned[cfg->nowned++], 0, why, sizeof(why));
		if (problem) {
			fclose(f);
			return cli_usage_error(cmd, "%s:%d: %s: %s", path, lineno, key, problem);
		}
	}
	fclose(f);
	return 0;
}

/* The whole file as a string (PEM for GnuTLS), or NULL with a message. */
static char *read_small_file(const char *path)
{
	struct buf b;
	char chunk[4096];
	ssize_t n;

	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_msg("%s: %s", path, strerror(errno));
		return NULL;
	}
	buf_init(&b);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 && b.len <= MAX_PEM)
		buf_append(&b, chunk, (size_t)n);
	int e = errno;
	close(fd);
	if (n < 0 || b.failed || b.len > MAX_PEM || b.len == 0) {
		log_msg("%s: %s", path, n < 0 ? strerror(e) : b.len ? "too large" : "empty");
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* The token file: one line, surrounding whitespace dropped. NULL after a
 * message when it cannot be read or is empty. */
static char *read_token_file(const char *path)
{
	struct stat st;
	char *text = read_small_file(path);
	if (!text)
		return NULL;
	char *t = trim(text);
	if (!*t || strpbrk(t, "\r\n") || strlen(t) > 4096) {
		log_msg("%s: the admin token must be one non-empty line", path);
		explicit_bzero(text, strlen(text));
		free(text);
		return NULL;
	}
	char *token = strdup(t);
	explicit_bzero(text, strlen(text));
	free(text);
	if (stat(path, &st) == 0 && (st.st_mode & 077))
		log_msg("warning: %s is readable by other users (chmod 600 it)", path);
	return token;
}

static int public_url_problem(const char *url, const char **why)
{
	if (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) {
		*why = "--public-url must start with https:// or http://";
		return 1;
	}
	for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
		if (*p <= 0x20 || *p == 0x7f) {
			*why = "--public-url must not hold spaces or control characters";
			return 1;
		}
	}
	return 0;
}

static const char *config_path(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			return argv[i + 1];
		if (!strncmp(argv[i], "--config=", 9))
			return argv[i] + 9;
	}
	return NULL;
}

static int parse_args(const struct command *cmd, int argc, char **argv, struct serve_config *cfg)
{
	char why[256];
	const char *problem;
	int c;

	*cfg = (struct serve_config){
		.tls = DEFAULT_TLS, .threads = 4, .max_conn = 10000, .per_ip = 256, .idle = 30,
		.request = 30, .grace = 10, .busy_ms = 2000, .events_keep = 500,
		.unknown_rate = 10, .unknown_kept = 10000, .os_up = 1800,
	};
	/* The file first, so flags override it. */
	const char *config = config_path(argc, argv);
	if (config) {
		int rc = read_config(cmd, config, cfg);
		if (rc)
			return rc;
	}
	while ((c = cli_next(cmd, argc, argv, serve_opts)) != -1) {
		if (c == OPT_HELP) {
			cli_help(cmd);
			return -1;
		}
		if (c == '?' || c == ':')
			return EXIT_USAGE;
		if (c == OPT_CONFIG)
			continue;
		if ((problem = apply(cfg, c, optarg, 1, why, sizeof(why))))
			return cli_usage_error(cmd, "--%s %s", option_name(c), problem);
	}
	if (cli_no_operands(cmd, argc, argv))
		return EXIT_USAGE;
	if (!cfg->db || !cfg->cert || !cfg->key || !cfg->files)
		return cli_usage_error(cmd, "--db, --cert, --key and --files are required");
	if (cfg->public_url) {
		if (public_url_problem(cfg->public_url, &problem))
			return cli_usage_error(cmd, "%s", problem);
		/* Our own copy: it is trimmed in place. */
		if (cfg->nowned == MAX_OWNED || !(cfg->owned[cfg->nowned] = strdup(cfg->public_url)))
			return 1;
		cfg->public_url = cfg->owned[cfg->nowned++];
		size_t n = strlen(cfg->public_url);
		while (n && cfg->public_url[n - 1] == '/')
			cfg->public_url[--n] = '\0';
	}
	if (cfg->admin_token && cfg->admin_token_file)
		return cli_usage_error(cmd, "--admin-token and --admin-token-file exclude each other");
	if (!cfg->admin_token && !cfg->admin_token_file) {
		const char *env = getenv("SNBOOT_ADMIN_TOKEN");
		cfg->admin_token = env && *env ? env : NULL;
	}
	if (cfg->nlisten == 0)
		listen_parse("[::]:8443", &cfg->listen[cfg->nlisten++], why, sizeof(why));
	return 0;
}

static int is_v6_any(const struct listen_addr *a)
{
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&a->ss;
	return a->ss.ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr);
}

static unsigned port_of(const struct listen_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
}

/* "[::]:P" is dual stack unless an IPv4 address on port P is listed too. */
static int wants_v6only(const struct serve_config *cfg, int i)
{
	if (!is_v6_any(&cfg->listen[i]))
		return 1;
	for (int j = 0; j < cfg->nlisten; j++)
		if (cfg->listen[j].ss.ss_family == AF_INET &&
		    port_of(&cfg->listen[j]) == port_of(&cfg->listen[i]))
			return 1;
	return 0;
}

static void announce(const int *fds, int n)
{
	struct buf line;
	buf_init(&line);
	for (int i = 0; i < n; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		char text[INET6_ADDRSTRLEN + 8] = "?";
		if (getsockname(fds[i], (struct sockaddr *)&ss, &len) == 0)
			sockaddr_text((struct sockaddr *)&ss, 1, text, sizeof(text));
		buf_printf(&line, "%s%s", i ? ", " : "", text);
	}
	log_msg("listening on %s", line.failed ? "?" : line.data);
	buf_free(&line);
}

/* A herd needs a descriptor per connection: raise the soft limit to the
 * hard one, and fit the connection caps into what we got. The caps are
 * per listen socket in MHD, the count is over all: a herd arrives on one
 * address, so each socket may take the whole budget. */
static void fit_descriptors(struct serve_config *cfg, struct server_limits *lim)
{
	struct rlimit rl;
	unsigned hard = cfg->max_conn + cfg->max_conn / 4 + 16;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		rlim_t avail = rl.rlim_cur > FD_RESERVE ? rl.rlim_cur - FD_RESERVE : 1;
		if ((rlim_t)hard > avail) {
			hard = (unsigned)avail;
			if (hard < 2)
				hard = 2;
			unsigned soft = hard - hard / 5;
			if (soft < cfg->max_conn) {
				log_msg("warning: open file limit %llu allows %u connections, not %u "
					"(raise LimitNOFILE / ulimit -n)", (unsigned long long)rl.rlim_cur,
					soft, cfg->max_conn);
				cfg->max_conn = soft ? soft : 1;
			}
		}
	}
	lim->max_connections = cfg->max_conn;
	lim->hard_connections = hard;
}

static void reload(struct server *srv, const struct serve_config *cfg)
{
	sha256_cache_flush();
	if (!cfg->admin_token_file) {
		log_msg("SIGHUP: file digests dropped (no --admin-token-file to reload)");
		return;
	}
	char *token = read_token_file(cfg->admin_token_file);
	if (!token) {
		log_msg("SIGHUP: admin token NOT reloaded, the previous one stays");
		return;
	}
	pthread_mutex_lock(&srv->token_lock);
	char *old = srv->admin_token;
	srv->admin_token = token;
	pthread_mutex_unlock(&srv->token_lock);
	if (old) {
		explicit_bzero(old, strlen(old));
		free(old);
	}
	log_msg("SIGHUP: admin token reloaded from %s, file digests dropped",
		cfg->admin_token_file);
}

/* SIGTERM: stop accepting, let requests in flight finish (at most
 * grace seconds), then close every connection. */
static void drain(struct server *srv, struct MHD_Daemon **daemons, int n, unsigned grace)
{
	atomic_store(&srv->draining, 1);
	for (int i = 0; i < n; i++) {
		MHD_socket fd = MHD_quiesce_daemon(daemons[i]);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
	}
	struct timespec start, now, tick = { 0, 20 * 1000000 };
	clock_gettime(CLOCK_MONOTONIC, &start);
	unsigned waiting = atomic_load(&srv->in_flight);
	if (waiting)
		log_msg("waiting up to %u s for %u request(s) in flight", grace, waiting);
	while (atomic_load(&srv->in_flight)) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= (time_t)grace) {
			log_msg("%u request(s) still in flight after %u s: closing them",
				atomic_load(&srv->in_flight), grace);
			break;
		}
		nanosleep(&tick, NULL);
	}
}

static int run_serve(const struct command *cmd, int argc, char **argv)
{
	struct serve_config cfg;
	struct server srv = { .files_dirfd = -1 };
	struct MHD_Daemon *daemons[MAX_LISTEN] = { 0 };
	int fds[MAX_LISTEN];
	char *cert = NULL, *key = NULL, why[256];
	sigset_t signals;
	int sig, rc = 1, started = 0, inited = 0;

	int parsed = parse_args(cmd, argc, argv, &cfg);
	if (parsed) {
		rc = parsed < 0 ? 0 : parsed;
		goto out_cfg;
	}
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES ||
	    MHD_is_feature_supported(MHD_FEATURE_EPOLL) != MHD_YES) {
		log_msg("this libmicrohttpd was built without TLS or epoll");
		goto out_cfg;
	}
	/* Block before any thread starts so only sigwait() sees them. */
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	srv.lim = (struct server_limits){
		.threads = cfg.threads, .per_ip = cfg.per_ip, .idle_timeout = cfg.idle,
		.request_timeout = cfg.request, .shutdown_grace = cfg.grace,
		.tls_priorities = cfg.tls,
	};
	fit_descriptors(&cfg, &srv.lim);
	srv.events_per_machine = cfg.events_keep;
	srv.os_up_deadline = cfg.os_up;
	srv.content_urls = (int)cfg.content_urls;
	srv.unknown_events_kept = cfg.unknown_kept;
	srv.bucket_rate = cfg.unknown_rate;
	srv.bucket_burst = cfg.unknown_rate ? 5.0 * cfg.unknown_rate : 0;

	if (cfg.admin_token_file) {
		if (!(srv.admin_token = read_token_file(cfg.admin_token_file)))
			goto out_cfg;
	} else if (cfg.admin_token && !(srv.admin_token = strdup(cfg.admin_token))) {
		goto out_cfg;
	}
	if (!(cert = read_small_file(cfg.cert)) || !(key = read_small_file(cfg.key)))
		goto out;
	srv.files_dirfd = open(cfg.files, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (srv.files_dirfd < 0) {
		log_msg("--files %s: %s", cfg.files, strerror(errno));
		goto out;
	}
	if (db_open(cfg.db, (int)cfg.busy_ms, &srv.db) < 0)
		goto out;
	srv.public_url = cfg.public_url;
	if (server_init(&srv) < 0)
		goto out;
	inited = 1;

	for (; started < cfg.nlisten; started++) {
		int ipv6 = cfg.listen[started].ss.ss_family == AF_INET6;
		fds[started] = listen_open(&cfg.listen[started], wants_v6only(&cfg, started), why,
					   sizeof(why));
		if (fds[started] < 0) {
			log_msg("listen %s", why);
			goto out;
		}
		daemons[started] = http_start(&srv, fds[started], ipv6, cert, key);
		if (!daemons[started]) {
			log_msg("cannot start HTTPS on listen socket %d (certificate, key or "
				"--tls-priorities unusable?)", started + 1);
			close(fds[started]);
			goto out;
		}
	}
	if (!srv.admin_token)
		log_msg("admin API disabled (no --admin-token-file, --admin-token or "
			"SNBOOT_ADMIN_TOKEN)");
	announce(fds, started);

	for (;;) {
		if (sigwait(&signals, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			reload(&srv, &cfg);
			continue;
		}
		break;
	}
	log_msg("%s: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	drain(&srv, daemons, started, cfg.grace);
	rc = 0;
out:
	/* MHD closes the listen socket it was given (unless quiesced). */
	for (int i = 0; i < started; i++)
		MHD_stop_daemon(daemons[i]);
	if (inited)
		server_fini(&srv);
	db_close(srv.db);
	if (srv.files_dirfd >= 0)
		close(srv.files_dirfd);
	free(cert);
	if (key)
		explicit_bzero(key, strlen(key));
	free(key);
out_cfg:
	if (srv.admin_token) {
		explicit_bzero(srv.admin_token, strlen(srv.admin_token));
		free(srv.admin_token);
	}
	for (int i = 0; i < cfg.nowned; i++)
		free(cfg.owned[i]);
	return rc;
}

const struct command cmd_serve = {
	.name = "serve",
	.summary = "run the HTTPS backend (boot API, events, files, admin API)",
	.run = run_serve,
	.usage =
	"usage: server-stub serve [--config FILE] --db FILE --cert FILE --key FILE\n"
	"                         --files DIR [--listen ADDR:PORT]... [OPTIONS]\n\n"
	"Serve the snboot backend API over HTTPS (TLS 1.2 and 1.3) until SIGTERM or\n"
	"SIGINT; SIGHUP reloads the admin token file and drops cached file digests.\n\n"
	"  --config FILE          settings as 'key = value' lines, keys named like\n"
	"                         these options ('listen' may repeat); flags given\n"
	"                         on the command line override the file\n"
	"  --db FILE              SQLite database (created if missing)\n"
	"  --cert FILE            server certificate chain, PEM\n"
	"  --key FILE             its private key, PEM\n"
	"  --files DIR            directory served under /files/ (kernels, initrds)\n"
	"  --listen ADDR:PORT     numeric address to listen on, repeatable:\n"
	"                         0.0.0.0:8443, [::]:8443, [fd77:1::1]:8443, 127.0.0.1:0\n"
	"                         (port 0 picks a free port). Default [::]:8443, which\n"
	"                         also accepts IPv4 unless an IPv4 address on the same\n"
	"                         port is listed as well.\n"
	"  --public-url URL       base URL for files in boot scripts, e.g.\n"
	"                         https://boot.example:8443 (default: https:// + the\n"
	"                         Host header the client used)\n"
	"  --admin-token-file F   file holding the admin API bearer token (one line;\n"
	"                         reread on SIGHUP)\n"
	"  --admin-token TOKEN    the token itself (visible in ps: prefer the file);\n"
	"                         else the environment variable SNBOOT_ADMIN_TOKEN.\n"
	"                         Without any, the admin API answers 403.\n"
	"  --threads N            worker threads per listen socket (default 4)\n"
	"  --max-connections N    open connections over all sockets before requests\n"
	"                         get 503 + Retry-After (default 10000)\n"
	"  --per-ip-limit N       connections per client address (default 256)\n"
	"  --idle-timeout S       close a connection silent for S seconds (default 30)\n"
	"  --request-timeout S    close a connection that has not delivered a whole\n"
	"                         request S seconds after it opened or after its\n"
	"                         previous answer (default 30)\n"
	"  --shutdown-grace S     SIGTERM waits up to S seconds for requests in flight\n"
	"                         (default 10)\n"
	"  --db-busy-timeout MS   wait for a database lock up to MS ms, then answer\n"
	"                         503 + Retry-After (default 2000)\n"
	"  --tls-priorities STR   GnuTLS priority string (default\n"
	"                         " DEFAULT_TLS ")\n"
	"  --events-per-machine N events kept per serial (default 500)\n"
	"  --unknown-events-rate N  events per second accepted for serials without a\n"
	"                         machine (burst 5 s worth; default 10; over: 429)\n"
	"  --unknown-events-kept N  events of unknown serials kept in all\n"
	"                         (default 10000)\n"
	"  --content-urls 0|1     1: boot scripts name files by content,\n"
	"                         /cas/SHA256/NAME, cacheable for ever (default 0:\n"
	"                         /files/NAME)\n"
	"  --os-up-deadline S     a machine provisioned S seconds ago that has not\n"
	"                         posted event stage os-up is flagged (default 1800)\n"
	"  -h, --help             this text\n\n"
	"Once ready it prints 'server-stub: listening on ADDR:PORT[, ...]' on stderr,\n"
	"then one line per request. See docs/server-stub.md.\n",
};
