/* serve: the HTTPS backend until SIGTERM or SIGINT. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "db.h"
#include "http.h"
#include "listen.h"
#include "log.h"

#define MAX_LISTEN 16
#define MAX_PEM (1 << 20)

enum { OPT_DB = 1, OPT_CERT, OPT_KEY, OPT_LISTEN, OPT_FILES, OPT_PUBLIC_URL, OPT_ADMIN_TOKEN,
       OPT_HELP = 'h' };

static const struct option serve_opts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "files", required_argument, NULL, OPT_FILES },
	{ "public-url", required_argument, NULL, OPT_PUBLIC_URL },
	{ "admin-token", required_argument, NULL, OPT_ADMIN_TOKEN },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

struct serve_config {
	const char *db, *cert, *key, *files, *admin_token;
	char *public_url;
	struct listen_addr listen[MAX_LISTEN];
	int nlisten;
};

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

static int parse_args(const struct command *cmd, int argc, char **argv, struct serve_config *cfg)
{
	char why[160];
	const char *problem;
	int c;

	while ((c = cli_next(cmd, argc, argv, serve_opts)) != -1) {
		switch (c) {
		case OPT_DB: cfg->db = optarg; break;
		case OPT_CERT: cfg->cert = optarg; break;
		case OPT_KEY: cfg->key = optarg; break;
		case OPT_FILES: cfg->files = optarg; break;
		case OPT_PUBLIC_URL: cfg->public_url = optarg; break;
		case OPT_ADMIN_TOKEN: cfg->admin_token = optarg; break;
		case OPT_LISTEN:
			if (cfg->nlisten == MAX_LISTEN)
				return cli_usage_error(cmd, "at most %d --listen addresses", MAX_LISTEN);
			if (listen_parse(optarg, &cfg->listen[cfg->nlisten], why, sizeof(why)) < 0)
				return cli_usage_error(cmd, "--listen %s", why);
			cfg->nlisten++;
			break;
		case OPT_HELP: cli_help(cmd); return -1;
		default: return EXIT_USAGE;
		}
	}
	if (cli_no_operands(cmd, argc, argv))
		return EXIT_USAGE;
	if (!cfg->db || !cfg->cert || !cfg->key || !cfg->files)
		return cli_usage_error(cmd, "--db, --cert, --key and --files are required");
	if (cfg->public_url) {
		if (public_url_problem(cfg->public_url, &problem))
			return cli_usage_error(cmd, "%s", problem);
		size_t n = strlen(cfg->public_url);
		while (n && cfg->public_url[n - 1] == '/')
			cfg->public_url[--n] = '\0';
	}
	if (!cfg->admin_token) {
		const char *env = getenv("SNBOOT_ADMIN_TOKEN");
		cfg->admin_token = env && *env ? env : NULL;
	} else if (!*cfg->admin_token) {
		return cli_usage_error(cmd, "--admin-token must not be empty");
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

static int run_serve(const struct command *cmd, int argc, char **argv)
{
	struct serve_config cfg = { 0 };
	struct server srv = { .files_dirfd = -1 };
	struct MHD_Daemon *daemons[MAX_LISTEN] = { 0 };
	int fds[MAX_LISTEN];
	char *cert = NULL, *key = NULL, why[256];
	sigset_t stop_signals;
	int sig, rc = 1, started = 0;

	int parsed = parse_args(cmd, argc, argv, &cfg);
	if (parsed)
		return parsed < 0 ? 0 : parsed;
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		log_msg("this libmicrohttpd was built without TLS");
		return 1;
	}
	/* Block before any thread starts so only sigwait() sees them. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!(cert = read_small_file(cfg.cert)) || !(key = read_small_file(cfg.key)))
		goto out;
	srv.files_dirfd = open(cfg.files, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (srv.files_dirfd < 0) {
		log_msg("--files %s: %s", cfg.files, strerror(errno));
		goto out;
	}
	if (db_open(cfg.db, &srv.db) < 0)
		goto out;
	srv.public_url = cfg.public_url;
	srv.admin_token = cfg.admin_token;

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
			log_msg("cannot start HTTPS on listen socket %d (certificate or key unusable?)",
				started + 1);
			close(fds[started]);
			goto out;
		}
	}
	if (!srv.admin_token)
		log_msg("admin API disabled (no --admin-token or SNBOOT_ADMIN_TOKEN)");
	announce(fds, started);

	while (sigwait(&stop_signals, &sig) != 0)
		;
	log_msg("%s: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	rc = 0;
out:
	/* MHD closes the listen socket it was given. */
	for (int i = 0; i < started; i++)
		MHD_stop_daemon(daemons[i]);
	db_close(srv.db);
	if (srv.files_dirfd >= 0)
		close(srv.files_dirfd);
	free(cert);
	if (key)
		explicit_bzero(key, strlen(key));
	free(key);
	return rc;
}

const struct command cmd_serve = {
	.name = "serve",
	.summary = "run the HTTPS backend (boot API, events, files, admin API)",
	.run = run_serve,
	.usage =
	"usage: server-stub serve --db FILE --cert FILE --key FILE --files DIR\n"
	"                         [--listen ADDR:PORT]... [--public-url URL]\n"
	"                         [--admin-token TOKEN]\n\n"
	"Serve the snboot backend API over HTTPS until SIGTERM or SIGINT.\n\n"
	"  --db FILE           SQLite database (created if missing)\n"
	"  --cert FILE         server certificate chain, PEM\n"
	"  --key FILE          its private key, PEM\n"
	"  --files DIR         directory served under /files/ (kernels, initrds)\n"
	"  --listen ADDR:PORT  numeric address to listen on, repeatable:\n"
	"                      0.0.0.0:8443, [::]:8443, [fd77:1::1]:8443, 127.0.0.1:0\n"
	"                      (port 0 picks a free port). Default [::]:8443, which\n"
	"                      also accepts IPv4 unless an IPv4 address on the same\n"
	"                      port is listed as well.\n"
	"  --public-url URL    base URL for files in boot scripts, e.g.\n"
	"                      https://boot.example:8443 (default: https:// + the Host\n"
	"                      header the client used)\n"
	"  --admin-token TOKEN bearer token for the admin API; the environment\n"
	"                      variable SNBOOT_ADMIN_TOKEN is used when not given.\n"
	"                      Without either, the admin API answers 403.\n"
	"  -h, --help          this text\n\n"
	"Once ready it prints 'server-stub: listening on ADDR:PORT[, ...]' on stderr,\n"
	"then one line per request.\n",
};
