/* ctl: the admin API from an operator's shell, over HTTPS with libcurl. */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "ipxe.h"

#include <cjson/cJSON.h>

enum { OPT_URL = 1, OPT_TOKEN_FILE, OPT_CACERT, OPT_HELP = 'h' };

static const struct option ctl_opts[] = {
	{ "url", required_argument, NULL, OPT_URL },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	return buf_append(arg, p, size * n) < 0 ? 0 : size * n;
}

/* The file's first line, whitespace trimmed, or NULL with a message. */
static char *read_token(const char *path)
{
	char line[4200];
	FILE *f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "server-stub ctl: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	char *got = fgets(line, sizeof(line), f);
	fclose(f);
	if (!got) {
		fprintf(stderr, "server-stub ctl: %s: empty\n", path);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	char *s = line;
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return *s ? strdup(s) : NULL;
}

/* A body argument: JSON text, or @FILE. NULL with a message. */
static char *body_arg(const char *arg)
{
	if (arg[0] != '@')
		return strdup(arg);
	FILE *f = fopen(arg + 1, "re");
	if (!f) {
		fprintf(stderr, "server-stub ctl: %s: %s\n", arg + 1, strerror(errno));
		return NULL;
	}
	struct buf b;
	char chunk[4096];
	size_t n;
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return b.failed ? NULL : (b.data ? b.data : strdup(""));
}

struct ctl {
	const char *url, *cacert;
	char *token;
};

/* One request; the answer's body in out. HTTP status, or -1. */
static long request(const struct ctl *c, const char *method, const char *path, const char *body,
		    struct buf *out)
{
	struct buf url, auth;
	long status = -1;

	buf_init(&url);
	buf_init(&auth);
	buf_printf(&url, "%s/api/v1/%s", c->url, path);
	buf_printf(&auth, "Authorization: Bearer %s", c->token);
	CURL *h = curl_easy_init();
	struct curl_slist *hdrs = curl_slist_append(NULL, auth.data);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	if (!h || !hdrs || url.failed || auth.failed)
		goto out;
	curl_easy_setopt(h, CURLOPT_URL, url.data);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (c->cacert)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
	if (body)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	CURLcode rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		fprintf(stderr, "server-stub ctl: %s %s: %s\n", method, url.data,
			curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
out:
	explicit_bzero(auth.data ? auth.data : "", auth.data ? auth.len : 0);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	buf_free(&url);
	buf_free(&auth);
	return status;
}

static const char *text_or_dash(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) && *v->valuestring ? v->valuestring : "-";
}

/* machines: one a line. */
static int print_machines(const char *json)
{
	cJSON *list = cJSON_Parse(json), *m;
	if (!cJSON_IsArray(list)) {
		cJSON_Delete(list);
		fprintf(stderr, "server-stub ctl: the answer is not a list of machines\n");
		return 1;
	}
	printf("%-24s %-15s %-12s %-12s %-9s %-18s %s\n", "SERIAL", "ACTION", "PROFILE", "POLICY",
	       "LAST_MS", "FLAGS", "ADDRESSES");
	cJSON_ArrayForEach(m, list) {
		struct buf flags, addrs;
		const cJSON *f;
		buf_init(&flags);
		buf_init(&addrs);
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(m, "flags"))
			buf_printf(&flags, "%s%s", flags.len ? "," : "", cJSON_IsString(f) ? f->valuestring : "?");
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(m, "addresses"))
			buf_printf(&addrs, "%s%s", addrs.len ? "," : "", cJSON_IsString(f) ? f->valuestring : "?");
		const cJSON *ms = cJSON_GetObjectItemCaseSensitive(m, "last_boot_ms");
		char msbuf[24] = "-";
		if (cJSON_IsNumber(ms))
			snprintf(msbuf, sizeof(msbuf), "%.0f", ms->valuedouble);
		printf("%-24s %-15s %-12s %-12s %-9s %-18s %s\n", text_or_dash(m, "serial"),
		       text_or_dash(m, "action"), text_or_dash(m, "profile"), text_or_dash(m, "policy"),
		       msbuf, flags.len ? flags.data : "-", addrs.len ? addrs.data : "-");
		buf_free(&flags);
		buf_free(&addrs);
	}
	cJSON_Delete(list);
	return 0;
}

static int run_ctl(const struct command *cmd, int argc, char **argv)
{
	struct ctl c = { .url = getenv("SNBOOT_URL"), .cacert = getenv("SNBOOT_CACERT") };
	const char *token_file = NULL;
	struct buf answer, path;
	int opt, rc = EXIT_USAGE;

	while ((opt = cli_next(cmd, argc, argv, ctl_opts)) != -1) {
		switch (opt) {
		case OPT_URL: c.url = optarg; break;
		case OPT_TOKEN_FILE: token_file = optarg; break;
		case OPT_CACERT: c.cacert = optarg; break;
		case OPT_HELP: return cli_help(cmd);
		default: return EXIT_USAGE;
		}
	}
	if (!c.url)
		c.url = "https://localhost:8443";
	if (optind >= argc)
		return cli_usage_error(cmd, "a command is needed (machines, machine, boots, get, "
				       "put, delete)");
	const char *verb = argv[optind], *arg = optind + 1 < argc ? argv[optind + 1] : NULL;
	const char *extra = optind + 2 < argc ? argv[optind + 2] : NULL;
	int want = !strcmp(verb, "machines") ? 0 : !strcmp(verb, "put") ? 2 : 1;
	if (strcmp(verb, "machines") && strcmp(verb, "machine") && strcmp(verb, "boots") &&
	    strcmp(verb, "get") && strcmp(verb, "put") && strcmp(verb, "delete"))
		return cli_usage_error(cmd, "unknown command '%s'", verb);
	if (argc - optind - 1 != want)
		return cli_usage_error(cmd, "'%s' takes %d argument%s", verb, want, want == 1 ? "" : "s");
	if (token_file) {
		if (!(c.token = read_token(token_file)))
			return 1;
	} else if (getenv("SNBOOT_ADMIN_TOKEN") && *getenv("SNBOOT_ADMIN_TOKEN")) {
		c.token = strdup(getenv("SNBOOT_ADMIN_TOKEN"));
	} else {
		return cli_usage_error(cmd, "--token-file or SNBOOT_ADMIN_TOKEN is needed");
	}
	size_t n = strlen(c.url);
	while (n && c.url[n - 1] == '/')
		n--;
	char *base = strndup(c.url, n);
	c.url = base;
	buf_init(&answer);
	buf_init(&path);
	char *body = NULL;
	const char *method = "GET";
	if (!strcmp(verb, "machines")) {
		buf_puts(&path, "machines");
	} else if (!strcmp(verb, "machine") || !strcmp(verb, "boots")) {
		buf_puts(&path, "machines/");
		url_append_path(&path, arg); /* serials may hold spaces */
		if (!strcmp(verb, "boots"))
			buf_puts(&path, "/boots");
	} else {
		buf_puts(&path, arg[0] == '/' ? arg + 1 : arg);
		method = !strcmp(verb, "put") ? "PUT" : !strcmp(verb, "delete") ? "DELETE" : "GET";
		if (extra && !(body = body_arg(extra))) {
			rc = 1;
			goto out;
		}
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	long status = request(&c, method, path.data, body, &answer);
	curl_global_cleanup();
	rc = 1;
	if (status < 0)
		goto out;
	if (status < 200 || status > 299) {
		fprintf(stderr, "server-stub ctl: HTTP %ld: %s", status,
			answer.data ? answer.data : "\n");
		goto out;
	}
	if (!strcmp(verb, "machines")) {
		rc = print_machines(answer.data ? answer.data : "");
	} else {
		if (answer.len) {
			cJSON *doc = cJSON_Parse(answer.data);
			char *pretty = doc ? cJSON_Print(doc) : NULL;
			puts(pretty ? pretty : answer.data);
			cJSON_free(pretty);
			cJSON_Delete(doc);
		}
		rc = 0;
	}
out:
	free(body);
	free(base);
	buf_free(&answer);
	buf_free(&path);
	if (c.token) {
		explicit_bzero(c.token, strlen(c.token));
		free(c.token);
	}
	return rc;
}

const struct command cmd_ctl = {
	.name = "ctl",
	.summary = "the admin API from a shell (machines, profiles, policies, pools)",
	.run = run_ctl,
	.usage =
	"usage: server-stub ctl [--url URL] [--token-file FILE] [--cacert FILE] COMMAND [ARGS]\n\n"
	"Talk to a running 'serve' through its admin API.\n\n"
	"  --url URL          the server, e.g. https://boot.example:8443 (default: the\n"
	"                     environment variable SNBOOT_URL, else https://localhost:8443)\n"
	"  --token-file FILE  file holding the admin bearer token (default: the\n"
	"                     environment variable SNBOOT_ADMIN_TOKEN)\n"
	"  --cacert FILE      CA certificate(s) for the server (default: SNBOOT_CACERT,\n"
	"                     else the system's)\n"
	"  -h, --help         this text\n\n"
	"commands:\n"
	"  machines             one machine a line: serial, action, profile, policy,\n"
	"                       last boot ms, flags, addresses\n"
	"  machine SERIAL       one machine, JSON\n"
	"  boots SERIAL         its boot history, JSON\n"
	"  get PATH             GET /api/v1/PATH (profiles, policies, pools, ...)\n"
	"  put PATH JSON|@FILE  PUT /api/v1/PATH with the body given or read from FILE\n"
	"  delete PATH          DELETE /api/v1/PATH\n\n"
	"Exit status: 0 for a 2xx answer, 1 otherwise (the server's reason on stderr),\n"
	"2 for a usage error.\n",
};
