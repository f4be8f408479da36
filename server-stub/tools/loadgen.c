/* loadgen: N distinct machines booting at once against a snboot backend,
 * as the agent does: over one TLS connection each (keep-alive), POST
 * /api/v1/boot with facts, POST two events, fetch the start of a file
 * with Range. Starts are jittered; at most --concurrency machines are in
 * flight. 503/429 answers are retried after their Retry-After, as the
 * agent does; anything else that is not 2xx is an error.
 *
 * Prints `name value unit` lines: machines, elapsed_s, boot_rps,
 * boot_p50_ms, boot_p99_ms, errors, retries, and server_peak_rss_kib
 * (VmHWM of --server-pid). Exit 0 when every machine finished without an
 * error, 1 otherwise, 2 for a usage error. */
#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum step { WAITING, BOOT, EVENT_API, EVENT_KEXEC, FILE_RANGE, DONE };

struct machine {
	CURL *h;
	enum step step;
	double start_at, step_started, retry_at;
	char serial[32];
	char body[1024];
	struct curl_slist *hdrs;
	long retry_after;
};

static struct {
	const char *url, *cacert, *file, *prefix;
	long machines, concurrency, jitter_ms, range, server_pid, insecure, timeout_s;
} opt = { .file = "vmlinuz", .prefix = "LOAD", .machines = 100, .jitter_ms = 1000,
	  .range = 65536, .timeout_s = 600 };

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static size_t discard(char *p, size_t s, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return s * n;
}

static size_t on_header(char *p, size_t s, size_t n, void *arg)
{
	struct machine *m = arg;
	if (n * s > 12 && !strncasecmp(p, "Retry-After:", 12))
		m->retry_after = strtol(p + 12, NULL, 10);
	return s * n;
}

static void setup_step(struct machine *m)
{
	char url[512];
	CURL *h = m->h;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, m);
	curl_easy_setopt(h, CURLOPT_PRIVATE, m);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, opt.timeout_s);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	/* Only the given CA: libcurl+GnuTLS would otherwise parse the whole
	 * system store (/etc/ssl/certs) for every connection. */
	curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(h, CURLOPT_CAINFO, opt.cacert);
	if (opt.insecure) {
		/* The server's work is the same either way. */
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	m->retry_after = 0;
	curl_slist_free_all(m->hdrs);
	m->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	switch (m->step) {
	case BOOT:
		snprintf(url, sizeof(url), "%s/api/v1/boot", opt.url);
		snprintf(m->body, sizeof(m->body),
			 "{\"serial\":\"%s\",\"uuid\":\"%s-uuid\",\"manufacturer\":\"QEMU\","
			 "\"product\":\"Standard PC (Q35 + ICH9, 2009)\",\"nics\":[{\"name\":\"eth0\","
			 "\"mac\":\"52:54:00:00:00:01\",\"driver\":\"virtio_net\"}],\"boot\":{\"nic\":"
			 "\"eth0\",\"mac\":\"52:54:00:00:00:01\",\"family\":\"ipv4\",\"ip\":\"10.0.2.15\"},"
			 "\"boot_id\":\"%s-b\",\"attempt\":1}", m->serial, m->serial, m->serial);
		break;
	case EVENT_API:
	case EVENT_KEXEC:
		snprintf(url, sizeof(url), "%s/api/v1/events", opt.url);
		snprintf(m->body, sizeof(m->body),
			 "{\"serial\":\"%s\",\"boot_id\":\"%s-b\",\"stage\":\"%s\",\"status\":\"ok\","
			 "\"ms\":%d,\"message\":\"\"}", m->serial, m->serial,
			 m->step == EVENT_API ? "api" : "kexec", m->step == EVENT_API ? 900 : 5000);
		break;
	default: { /* FILE_RANGE */
		char range[64];
		snprintf(url, sizeof(url), "%s/files/%s", opt.url, opt.file);
		snprintf(range, sizeof(range), "Range: bytes=0-%ld", opt.range - 1);
		m->hdrs = curl_slist_append(m->hdrs, range);
		m->body[0] = '\0';
	}
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, m->hdrs);
	if (m->body[0])
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, m->body);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static long peak_rss_kib(long pid)
{
	char path[64], line[256];
	long kib = -1;
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			kib = strtol(line + 6, NULL, 10);
	fclose(f);
	return kib;
}

static void usage(FILE *out)
{
	fputs("usage: loadgen --url https://HOST:PORT [--cacert FILE] [--machines N]\n"
	      "               [--concurrency C] [--jitter-ms J] [--file NAME] [--range BYTES]\n"
	      "               [--prefix SERIALPREFIX] [--server-pid PID] [--insecure]\n"
	      "               [--timeout-s S (per request, default 600)]\n", out);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' }, { "cacert", required_argument, NULL, 'c' },
		{ "machines", required_argument, NULL, 'n' },
		{ "concurrency", required_argument, NULL, 'C' },
		{ "jitter-ms", required_argument, NULL, 'j' }, { "file", required_argument, NULL, 'f' },
		{ "range", required_argument, NULL, 'r' }, { "prefix", required_argument, NULL, 'p' },
		{ "server-pid", required_argument, NULL, 's' }, { "help", no_argument, NULL, 'h' },
		{ "insecure", no_argument, NULL, 'k' }, { "timeout-s", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'u': opt.url = optarg; break;
		case 'c': opt.cacert = optarg; break;
		case 'n': opt.machines = atol(optarg); break;
		case 'C': opt.concurrency = atol(optarg); break;
		case 'j': opt.jitter_ms = atol(optarg); break;
		case 'f': opt.file = optarg; break;
		case 'r': opt.range = atol(optarg); break;
		case 'p': opt.prefix = optarg; break;
		case 's': opt.server_pid = atol(optarg); break;
		case 'k': opt.insecure = 1; break;
		case 't': opt.timeout_s = atol(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!opt.url || opt.machines < 1 || opt.range < 1 || opt.jitter_ms < 0 || optind < argc) {
		usage(stderr);
		return 2;
	}
	if (opt.concurrency < 1 || opt.concurrency > opt.machines)
		opt.concurrency = opt.machines;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURLM *multi = curl_multi_init();
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, opt.concurrency);
	struct machine *ms = calloc((size_t)opt.machines, sizeof(*ms));
	double *lat = calloc((size_t)opt.machines, sizeof(*lat));
	if (!multi || !ms || !lat)
		return 1;
	srandom(42);
	double t0 = now_ms();
	for (long i = 0; i < opt.machines; i++) {
		snprintf(ms[i].serial, sizeof(ms[i].serial), "%s-%07ld", opt.prefix, i);
		ms[i].start_at = t0 + (opt.jitter_ms ? random() % (opt.jitter_ms + 1) : 0);
	}
	long next = 0, active = 0, done = 0, errors = 0, retries = 0, nlat = 0;
	while (done < opt.machines) {
		double now = now_ms();
		/* Start machines whose time has come, within the concurrency. */
		while (next < opt.machines && active < opt.concurrency && ms[next].start_at <= now) {
			struct machine *m = &ms[next++];
			m->h = curl_easy_init();
			m->step = BOOT;
			m->step_started = now;
			setup_step(m);
			curl_multi_add_handle(multi, m->h);
			active++;
		}
		/* Machines told to come back later. */
		for (long i = 0; i < next; i++) {
			struct machine *m = &ms[i];
			if (m->retry_at && m->retry_at <= now) {
				m->retry_at = 0;
				m->step_started = now;
				setup_step(m);
				curl_multi_add_handle(multi, m->h);
			}
		}
		int running;
		curl_multi_perform(multi, &running);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct machine *m;
			long status = 0;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&m);
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
			CURLcode result = msg->data.result;
			curl_multi_remove_handle(multi, m->h);
			double t = now_ms();
			if (result == CURLE_OK && (status == 503 || status == 429)) {
				retries++;
				m->retry_at = t + 1000.0 * (m->retry_after > 0 ? m->retry_after : 1);
				continue;
			}
			if (result != CURLE_OK || status < 200 || status > 299) {
				if (errors < 10)
					fprintf(stderr, "loadgen: %s step %d: %s (HTTP %ld)\n", m->serial,
						(int)m->step, curl_easy_strerror(result), status);
				errors++;
				m->step = DONE;
			} else {
				if (m->step == BOOT)
					lat[nlat++] = t - m->step_started;
				m->step++;
			}
			if (m->step == DONE) {
				curl_easy_cleanup(m->h);
				m->h = NULL;
				curl_slist_free_all(m->hdrs);
				m->hdrs = NULL;
				active--;
				done++;
				continue;
			}
			m->step_started = t;
			setup_step(m);
			curl_multi_add_handle(multi, m->h);
		}
		curl_multi_poll(multi, NULL, 0, 10, NULL);
	}
	double elapsed = (now_ms() - t0) / 1000.0;
	qsort(lat, (size_t)nlat, sizeof(lat[0]), cmp_double);
	printf("machines %ld count\n", opt.machines);
	printf("elapsed_s %.3f s\n", elapsed);
	printf("boot_rps %.1f req/s\n", nlat / elapsed);
	printf("boot_p50_ms %.1f ms\n", nlat ? lat[nlat / 2] : -1.0);
	printf("boot_p99_ms %.1f ms\n", nlat ? lat[(long)(nlat * 0.99) < nlat ? (long)(nlat * 0.99) : nlat - 1] : -1.0);
	printf("errors %ld count\n", errors);
	printf("retries %ld count\n", retries);
	if (opt.server_pid)
		printf("server_peak_rss_kib %ld KiB\n", peak_rss_kib(opt.server_pid));
	curl_multi_cleanup(multi);
	curl_global_cleanup();
	free(ms);
	free(lat);
	return errors ? 1 : 0;
}
