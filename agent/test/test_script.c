/* The iPXE subset against fake ops that record every call: commands,
 * expansion, lines, goto, ||/&&, images and their fds, chain, URLs,
 * malformed input, the corpus of backend-style scripts, and the docs. */
#include "fixtures.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "script/script.h"

/* ---- fake ops */

#define MAX_CALLS 64

struct fake_boot {
	char label[64];
	char cmdline[2048];
	char kernel_url[512];
	char initrd_urls[BOOTIMG_MAX_INITRDS][512];
	int n_initrds;
};

struct fake {
	const char *script_urls[8];        /* fetch_script serves these */
	const char *script_bodies[8];
	const char *fail_substr;           /* fetch of a URL holding it fails */
	int fail_count;                    /* ...this many times (0: always) */
	int boot_rc;
	char fetched[MAX_CALLS][512];      /* the URL that served each fetch */
	char mirrors[MAX_CALLS][1024];     /* the other URLs the call gave, " " between */
	int served_by[MAX_CALLS];          /* index into the call's URLs */
	char sha256[MAX_CALLS][72];
	int fds[MAX_CALLS];
	int n_fetched, n_fetch_failed;
	char script_fetched[MAX_CALLS][512];
	int n_script_fetched;
	struct fake_boot boots[8];
	int n_boots;
	char out[16384];
	unsigned slept_ms;
	int n_sleeps;
	char log[32768];
};

static const char *url_of_fd(struct fake *f, int fd)
{
	for (int i = f->n_fetched - 1; i >= 0; i--)
		if (f->fds[i] == fd)
			return f->fetched[i];
	return "?";
}

/* Like http_fetch_mirrors: the URLs in order, a failing one hands over
 * to the next; the error is the last one's. */
static int fake_fetch(void *arg, const char *const *urls, size_t n_urls, const char *sha256,
		      int *fd, struct sn_err *e)
{
	struct fake *f = arg;
	size_t i = 0;

	assert_true(n_urls >= 1 && n_urls <= 1 + SCRIPT_MIRRORS_MAX);
	for (; i < n_urls; i++) {
		if (!(f->fail_substr && strstr(urls[i], f->fail_substr) &&
		      (f->fail_count == 0 || f->n_fetch_failed < f->fail_count)))
			break;
		f->n_fetch_failed++;
		char u[SCRIPT_URL_LOG];   /* as the HTTP client words it */
		sn_fail(e, SN_E_IO, "HTTP 404 for %s", script_url_log(urls[i], u));
	}
	if (i == n_urls)
		return e->code;
	sn_clear(e);
	assert_true(f->n_fetched < MAX_CALLS);
	*fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(*fd >= 0);
	snprintf(f->fetched[f->n_fetched], sizeof(f->fetched[0]), "%s", urls[i]);
	f->mirrors[f->n_fetched][0] = '\0';
	for (size_t j = 1; j < n_urls; j++)
		snprintf(f->mirrors[f->n_fetched] + strlen(f->mirrors[f->n_fetched]),
			 sizeof(f->mirrors[0]) - strlen(f->mirrors[f->n_fetched]), "%s%s",
			 j > 1 ? " " : "", urls[j]);
	f->served_by[f->n_fetched] = (int)i;
	snprintf(f->sha256[f->n_fetched], sizeof(f->sha256[0]), "%s", sha256 ? sha256 : "");
	f->fds[f->n_fetched++] = *fd;
	return SN_OK;
}

static int fake_fetch_script(void *arg, const char *url, const char *sha256, char **buf,
			     size_t *len, struct sn_err *e)
{
	struct fake *f = arg;

	assert_true(f->n_script_fetched < MAX_CALLS);
	snprintf(f->script_fetched[f->n_script_fetched++], sizeof(f->script_fetched[0]),
		 "%s", url);
	for (int i = 0; i < 8 && f->script_urls[i]; i++)
		if (strcmp(f->script_urls[i], url) == 0) {
			*len = strlen(f->script_bodies[i]);
			*buf = malloc(*len + 1);
			assert_non_null(*buf);
			memcpy(*buf, f->script_bodies[i], *len + 1);
			return SN_OK;
		}
	char u[SCRIPT_URL_LOG];
	return sn_fail(e, SN_E_IO, "HTTP 404 for %s", script_url_log(url, u));
}

static int fake_boot(void *arg, const struct boot_image *img, struct sn_err *e)
{
	struct fake *f = arg;
	struct fake_boot *b = &f->boots[f->n_boots < 8 ? f->n_boots : 7];

	f->n_boots++;   /* counted always, recorded up to 8 */
	assert_string_equal(img->source, "network");
	snprintf(b->label, sizeof(b->label), "%s", img->label);
	snprintf(b->cmdline, sizeof(b->cmdline), "%s", img->cmdline);
	snprintf(b->kernel_url, sizeof(b->kernel_url), "%s", url_of_fd(f, img->kernel_fd));
	b->n_initrds = img->n_initrds;
	for (int i = 0; i < img->n_initrds; i++)
		snprintf(b->initrd_urls[i], sizeof(b->initrd_urls[i]), "%s",
			 url_of_fd(f, img->initrd_fds[i]));
	if (f->boot_rc != SN_OK)
		return sn_fail(e, f->boot_rc, "kexec_file_load: EINVAL (fake)");
	return SN_OK;
}

static void fake_echo(void *arg, const char *text)
{
	struct fake *f = arg;
	strncat(f->out, text, sizeof(f->out) - strlen(f->out) - 1);
}

static void fake_sleep(void *arg, unsigned ms)
{
	struct fake *f = arg;
	f->slept_ms += ms;
	f->n_sleeps++;
}

static void fake_log(void *arg, const char *msg)
{
	struct fake *f = arg;
	strncat(f->log, msg, sizeof(f->log) - strlen(f->log) - 2);
	strcat(f->log, "\n");
}

static const struct script_ops fake_ops = {
	.fetch = fake_fetch,
	.fetch_script = fake_fetch_script,
	.boot = fake_boot,
	.echo = fake_echo,
	.sleep_ms = fake_sleep,
	.log = fake_log,
};

static struct fake *fake_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->boot_rc = SN_E_IO;   /* a real boot never returns; failing is the norm */
	return f;
}

/* Every fd the interpreter received is closed once script_run returns. */
static void assert_fds_closed(const struct fake *f)
{
	for (int i = 0; i < f->n_fetched; i++) {
		errno = 0;
		assert_int_equal(fcntl(f->fds[i], F_GETFD), -1);
		assert_int_equal(errno, EBADF);
	}
}

static struct script_settings *machine_settings(void)
{
	struct script_settings *s = script_settings_new();
	static const char *kv[][2] = {
		{ "serial", "SN-0042" }, { "uuid", "4c4c4544-0042-3510-8052-b4c04f4b3732" },
		{ "manufacturer", "Dell Inc." }, { "product", "PowerEdge R650" },
		{ "asset", "A-17" }, { "board-serial", "BRD-9" },
		{ "mac", "52:54:00:12:34:56" }, { "ip", "10.0.0.50" },
		{ "net0/mac", "52:54:00:12:34:56" }, { "net0/ip", "10.0.0.50" },
		{ "netX/mac", "52:54:00:12:34:56" }, { "netX/ip", "10.0.0.50" },
		{ "hostname", "node7" }, { "buildarch", "x86_64" }, { "platform", "efi" },
		{ "next-server", "10.0.0.2" }, { "filename", "http://10.0.0.2/boot" },
	};
	assert_non_null(s);
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		assert_int_equal(script_set(s, kv[i][0], kv[i][1]), SN_OK);
	return s;
}

struct run {
	int rc;
	struct script_result res;
	struct sn_err e;
	struct script_settings *s;
};

static void run_in(struct fake *f, struct run *r, const char *text, size_t len,
		   const char *base)
{
	r->s = machine_settings();
	sn_clear(&r->e);
	r->rc = script_run(text, len, base, r->s, &fake_ops, f, &r->res, &r->e);
	assert_fds_closed(f);
	if (r->rc == SN_OK)
		assert_int_equal(r->e.code, SN_OK);
	else
		assert_int_equal(r->e.code, r->rc);
}

static void run_base(struct fake *f, struct run *r, const char *text, const char *base)
{
	run_in(f, r, text, strlen(text), base);
}

static void run(struct fake *f, struct run *r, const char *text)
{
	run_base(f, r, text, "http://boot.example/v1/boot");
}

static void done(struct fake *f, struct run *r)
{
	script_settings_free(r->s);
	free(f);
}

/* ---- header, lines, malformed input */

static void test_header(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	run(f, &r, "kernel http://x/k\nboot\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_NO_HEADER);
	assert_int_equal(r.res.outcome, SCRIPT_FAILED);
	assert_non_null(strstr(r.e.ctx, "kernel http://x"));
	assert_int_equal(f->n_fetched, 0);
	script_settings_free(r.s);

	run(f, &r, "<html>\x01");
	assert_int_equal(r.rc, SN_E_SCRIPT_NO_HEADER);
	assert_non_null(strstr(r.e.ctx, "<html>\\x01"));
	script_settings_free(r.s);

	run(f, &r, "#!ipxeboot\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_NO_HEADER);
	script_settings_free(r.s);

	run(f, &r, "");
	assert_int_equal(r.rc, SN_E_SCRIPT_NO_HEADER);
	script_settings_free(r.s);

	run(f, &r, "#!ipxe");
	assert_int_equal(r.rc, SN_OK);
	assert_int_equal(r.res.outcome, SCRIPT_ENDED);
	script_settings_free(r.s);

	run(f, &r, "#!gpxe\necho old\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "old\n");
	done(f, &r);

	assert_true(script_has_header("#!ipxe\t", 7));
	assert_false(script_has_header("#!ipx", 5));
	assert_false(script_has_header(" #!ipxe\n", 8));
}

static void test_nul_bytes(void **state)
{
	struct fake *f = fake_new();
	struct run r;
	static const char text[] = "#!ipxe\necho a\nec\0ho b\n";

	run_in(f, &r, text, sizeof(text) - 1, NULL);
	assert_int_equal(r.rc, SN_E_SCRIPT_NUL_BYTE);
	assert_non_null(strstr(r.e.ctx, "line 3"));
	assert_string_equal(f->out, "");   /* refused before anything ran */
	done(f, &r);
}

static void test_huge_line(void **state)
{
	struct fake *f = fake_new();
	struct run r;
	size_t n = SCRIPT_LINE_MAX + 100;
	char *text = malloc(3 * SCRIPT_LINE_MAX);

	assert_non_null(text);
	strcpy(text, "#!ipxe\necho ok\necho ");
	memset(text + strlen(text), 'A', n);
	text[20 + n] = '\0';
	run(f, &r, text);
	assert_int_equal(r.rc, SN_E_SCRIPT_LINE_TOO_LONG);
	assert_non_null(strstr(r.e.ctx, "line 3"));
	script_settings_free(r.s);

	/* continuations count towards the limit of the joined line */
	char *p = text + sprintf(text, "#!ipxe\n");
	for (size_t i = 0; i < 2 * SCRIPT_LINE_MAX / 100; i++)
		p += sprintf(p, "%080d \\\n", 0);
	f->out[0] = '\0';
	run(f, &r, text);
	assert_int_equal(r.rc, SN_E_SCRIPT_LINE_TOO_LONG);
	assert_non_null(strstr(r.e.ctx, "line 2"));
	free(text);
	done(f, &r);
}

static void test_too_big_and_too_many_words(void **state)
{
	struct fake *f = fake_new();
	struct run r;
	char *text = malloc(SCRIPT_TEXT_MAX + 16);

	assert_non_null(text);
	memset(text, '\n', SCRIPT_TEXT_MAX + 16);
	memcpy(text, "#!ipxe", 6);
	run_in(f, &r, text, SCRIPT_TEXT_MAX + 1, NULL);
	assert_int_equal(r.rc, SN_E_SCRIPT_TOO_BIG);
	script_settings_free(r.s);

	char *p = text + sprintf(text, "#!ipxe\necho");
	for (unsigned i = 0; i < SCRIPT_WORDS_MAX + 1; i++)
		p += sprintf(p, " w");
	run(f, &r, text);
	assert_int_equal(r.rc, SN_E_SCRIPT_TOO_MANY_WORDS);
	assert_non_null(strstr(r.e.ctx, "line 2"));
	free(text);
	done(f, &r);
}

static void test_continuation_comments_crlf(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	run(f, &r, "#!ipxe\r\n# a comment line\r\n"
		   "echo one \\\r\n  two \\\n\tthree # a trailing comment\n"
		   "   echo indented\n"
		   "echo #not printed\n"
		   "echo last \\");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "one two three\nindented\n\nlast\n");
	done(f, &r);
}

/* ---- ||, &&, ; */

static void test_or_and(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	run(f, &r, "#!ipxe\n"
		   "iseq a b || echo or-ran\n"
		   "iseq a a || echo or-skipped\n"
		   "iseq a a && echo and-ran\n"
		   "iseq a b && echo and-skipped ||\n"   /* else the line fails */
		   "iseq a b && echo x || echo fallback\n"
		   "iseq a a && echo y || echo not-this\n"
		   "echo s1 ; echo s2\n"
		   "iseq a b ; echo after-seq\n"
		   "iseq a b || iseq c d || echo third\n"
		   "iseq a b ||\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "or-ran\nand-ran\nfallback\ny\ns1\ns2\nafter-seq\nthird\n");
	assert_int_equal(r.res.outcome, SCRIPT_ENDED);
	done(f, &r);
}

static void test_uncaught_failure(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	run(f, &r, "#!ipxe\necho before\n\niseq a b && echo no\necho never\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_ISEQ_FALSE);
	assert_int_equal(r.res.outcome, SCRIPT_FAILED);
	assert_int_equal(r.res.line, 4);
	assert_non_null(strstr(r.e.ctx, "line 4: iseq"));
	assert_non_null(strstr(r.res.reason, "SN_E_SCRIPT_ISEQ_FALSE"));
	assert_string_equal(f->out, "before\n");
	done(f, &r);
}

/* ---- goto */

static void test_goto(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	run(f, &r, "#!ipxe\n"
		   "goto second\n"
		   ":first\n"
		   "echo first\n"
		   "goto end\n"
		   ":second echo label-line-runs\n"
		   "echo second\n"
		   "goto first ; echo not-after-goto\n"
		   ":end\n"
		   "echo end\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "label-line-runs\nsecond\nfirst\nend\n");
	done(f, &r);

	f = fake_new();
	run(f, &r, "#!ipxe\necho a\ngoto nowhere\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_NO_LABEL);
	assert_non_null(strstr(r.e.ctx, "line 3: goto: :nowhere"));
	script_settings_free(r.s);

	run(f, &r, "#!ipxe\ngoto nowhere || echo caught\n");
	assert_int_equal(r.rc, SN_OK);
	assert_non_null(strstr(f->out, "caught\n"));
	done(f, &r);
}

static void test_goto_loop_limit(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	run(f, &r, "#!ipxe\n:top\necho spin\ngoto top\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_STEP_LIMIT);
	assert_int_equal(r.res.outcome, SCRIPT_FAILED);
	assert_int_equal(r.res.lines_run, SCRIPT_STEPS_MAX + 1);
	done(f, &r);
}

static void test_counted_loop(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	run(f, &r, "#!ipxe\nset n:int32 0\n:loop\ninc n\niseq ${n} 3 || goto loop\n"
		   "inc n 0x10\necho n=${n}\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "n=19\n");
	done(f, &r);
}

/* ---- expansion */

static void test_expand_words(void **state)
{
	struct script_settings *s = machine_settings();
	struct sn_err e;
	char out[256];

	assert_int_equal(script_set(s, "b", "ial"), SN_OK);
	assert_int_equal(script_set(s, "which", "b"), SN_OK);
	assert_int_equal(script_set(s, "path", "a b/c?d&e"), SN_OK);
#define EXPANDS(in, want) do { \
		assert_int_equal(script_expand(in, s, out, sizeof(out), &e), SN_OK); \
		assert_string_equal(out, want); } while (0)
	EXPANDS("plain", "plain");
	EXPANDS("${serial}", "SN-0042");
	EXPANDS("${ser${b}}", "SN-0042");
	EXPANDS("${ser${${which}}}", "SN-0042");
	EXPANDS("x${undefined}y", "xy");
	EXPANDS("${}", "");
	EXPANDS("$", "$");
	EXPANDS("$x{y}", "$x{y}");
	EXPANDS("a}b", "a}b");
	EXPANDS("${net0/mac}", "52:54:00:12:34:56");
	EXPANDS("${net0/mac:hexhyp}", "52-54-00-12-34-56");
	EXPANDS("${mac:hexraw}", "525400123456");
	EXPANDS("${mac:hex}", "52:54:00:12:34:56");
	/* iPXE shows a MAC's bytes as a string: 0x52 'R', 0x54 'T', then NUL */
	EXPANDS("${mac:string}", "RT");
	EXPANDS("${uuid:hexraw}", "4c4c4544004235108052b4c04f4b3732");
	EXPANDS("${b:hex}", "69:61:6c");
	EXPANDS("${b:base64}", "aWFs");
	EXPANDS("${path:uristring}", "a%20b%2Fc%3Fd%26e");
	EXPANDS("${smbios/serial}", "SN-0042");
	EXPANDS("${net0.dhcp/ip}", "10.0.0.50");
	EXPANDS("${net1/mac}", "");
	EXPANDS("${serial}${serial}", "SN-0042SN-0042");

	assert_int_equal(script_expand("${serial", s, out, sizeof(out), &e),
			 SN_E_SCRIPT_UNTERMINATED_VAR);
	assert_non_null(strstr(e.ctx, "${serial"));
	assert_int_equal(script_expand("${a${b}", s, out, sizeof(out), &e),
			 SN_E_SCRIPT_UNTERMINATED_VAR);
	assert_int_equal(script_expand("${mac:nosuch}", s, out, sizeof(out), &e),
			 SN_E_SCRIPT_BAD_TYPE);
	assert_non_null(strstr(e.ctx, "nosuch"));
	assert_int_equal(script_expand("${${${${${${${${${${${${${${${${${x}}}}}}}}}}}}}}}}}",
				       s, out, sizeof(out), &e), SN_E_SCRIPT_VAR_TOO_DEEP);
	assert_int_equal(script_expand("${serial}", s, out, 5, &e), SN_E_SCRIPT_EXPAND_TOO_LONG);
	char longname[300];
	memset(longname, 'n', sizeof(longname));
	memcpy(longname, "${", 2);
	strcpy(longname + 250, "}");
	assert_int_equal(script_expand(longname, s, out, sizeof(out), &e),
			 SN_E_SCRIPT_VAR_NAME_TOO_LONG);
#undef EXPANDS
	script_settings_free(s);
}

static void test_expand_in_script(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	/* words split before expansion: a value with spaces stays one word */
	run(f, &r, "#!ipxe\nset greeting hello   big world\n"
		   "iseq ${greeting} hello || echo one-word\n"
		   "echo ${greeting}\n"
		   "echo ${serial\n"
		   "echo never\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_UNTERMINATED_VAR);
	assert_string_equal(f->out, "one-word\nhello big world\n");
	assert_non_null(strstr(r.e.ctx, "line 5"));
	script_settings_free(r.s);

	f->out[0] = '\0';
	run(f, &r, "#!ipxe\necho ${bad || echo caught\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "caught\n");
	done(f, &r);
}

/* ---- settings commands */

static void test_settings_commands(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	run(f, &r, "#!ipxe\n"
		   "set net0/custom:string v1\n"
		   "echo [${net0/custom}]\n"
		   "set x\n"
		   "isset ${x} || echo x-unset\n"
		   "set x 1\n"
		   "isset ${x} && echo x-set\n"
		   "clear x\n"
		   "isset ${x} || echo x-cleared\n"
		   "set word notnum\n"
		   "inc word || echo inc-refused\n"
		   "inc fresh\n"
		   "echo fresh=${fresh}\n"
		   "set neg -5\n"     /* options end at the first argument */
		   "inc neg\n"
		   "echo neg=${neg}\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "[v1]\nx-unset\nx-set\nx-cleared\ninc-refused\nfresh=1\n"
			    "neg=-4\n");
	assert_string_equal(script_get(r.s, "net0/custom"), "v1");
	assert_null(script_get(r.s, "x"));
	script_settings_free(r.s);

	run(f, &r, "#!ipxe\nset bad:type v\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_BAD_TYPE);
	script_settings_free(r.s);
	run(f, &r, "#!ipxe\nset /x v\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_SETTING_NAME);
	script_settings_free(r.s);
	run(f, &r, "#!ipxe\nset big 2147483647\ninc big\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_BAD_NUMBER);
	done(f, &r);
}

static void test_settings_store(void **state)
{
	struct script_settings *s = script_settings_new();
	char name[SCRIPT_NAME_MAX + 2];
	char *big = malloc(SCRIPT_VALUE_MAX + 2);

	assert_non_null(s);
	assert_non_null(big);
	assert_null(script_get(s, "a"));
	assert_int_equal(script_set(s, "a", "1"), SN_OK);
	assert_int_equal(script_set(s, "a", "2"), SN_OK);
	assert_string_equal(script_get(s, "a"), "2");
	assert_int_equal(script_set(s, "a", ""), SN_OK);
	assert_null(script_get(s, "a"));
	assert_int_equal(script_set(s, "", "v"), SN_E_SCRIPT_SETTING_NAME);
	memset(name, 'n', sizeof(name));
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(script_set(s, name, "v"), SN_E_SCRIPT_SETTING_NAME);
	memset(big, 'v', SCRIPT_VALUE_MAX + 1);
	big[SCRIPT_VALUE_MAX + 1] = '\0';
	assert_int_equal(script_set(s, "big", big), SN_E_SCRIPT_VALUE_TOO_LONG);
	for (unsigned i = 0; i < SCRIPT_SETTINGS_MAX; i++) {
		snprintf(name, sizeof(name), "k%u", i);
		assert_int_equal(script_set(s, name, "v"), SN_OK);
	}
	assert_int_equal(script_set(s, "one-more", "v"), SN_E_SCRIPT_TOO_MANY_SETTINGS);
	assert_int_equal(script_set(s, "k7", "changed"), SN_OK);   /* updates still work */
	assert_string_equal(script_get(s, "k7"), "changed");
	free(big);
	script_settings_free(s);
	script_settings_free(NULL);
}

/* ---- small commands */

static void test_echo_sleep_prompt(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	run(f, &r, "#!ipxe\necho -n no newline\necho\necho -- -n is text\n"
		   "sleep 2\nsleep 99999\n"
		   "prompt --key 0x02 --timeout 3000 Press Ctrl-B && echo pressed || echo timed-out\n"
		   "prompt -k s -t 10 || echo short-opts\n"
		   "dhcp && ifopen net0 && ifconf -c dhcp && dhcp --timeout 5 net0 && echo net-ok\n"
		   "cpuid --ext 29 && echo x86_64\n"
		   "cpuid 5 || echo other-bits-fail\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "no newline\n-n is text\nPress Ctrl-B\ntimed-out\nshort-opts\n"
			    "net-ok\nx86_64\nother-bits-fail\n");
	assert_int_equal(f->n_sleeps, 2);
	assert_int_equal(f->slept_ms, 2000 + SCRIPT_SLEEP_MAX_S * 1000);
	assert_non_null(strstr(f->log, "clamped"));
	assert_non_null(strstr(f->log, "E0835"));   /* caught failures are logged */
	script_settings_free(r.s);

	run(f, &r, "#!ipxe\nprompt\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_PROMPT_TIMEOUT);
	assert_int_equal(r.res.outcome, SCRIPT_FAILED);
	script_settings_free(r.s);
	run(f, &r, "#!ipxe\nprompt --key toolong x\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_BAD_KEY);
	assert_non_null(strstr(r.e.ctx, "--key"));
	done(f, &r);
}

static void test_outcomes(void **state)
{
	static const struct {
		const char *text;
		enum script_outcome outcome;
		const char *reason;
	} cases[] = {
		{ "#!ipxe\nreboot\necho never\n", SCRIPT_REBOOT, "reboot (line 2)" },
		{ "#!ipxe\nreboot --warm\n", SCRIPT_REBOOT, "reboot (line 2)" },
		{ "#!ipxe\npoweroff\n", SCRIPT_POWEROFF, "poweroff (line 2)" },
		{ "#!ipxe\necho a\nexit\n", SCRIPT_EXIT, "exit 0 (line 3)" },
		{ "#!ipxe\nexit 3 || echo no\n", SCRIPT_EXIT, "exit 3 (line 2)" },
		{ "#!ipxe\necho just talking\n", SCRIPT_ENDED, "the script ended without booting" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake *f = fake_new();
		struct run r;
		run(f, &r, cases[i].text);
		assert_int_equal(r.rc, SN_OK);
		assert_int_equal(r.res.outcome, cases[i].outcome);
		assert_string_equal(r.res.reason, cases[i].reason);
		assert_null(strstr(f->out, "never"));
		if (i == 4)
			assert_int_equal(r.res.exit_status, 3);
		done(f, &r);
	}
}

static void test_bytedance_local_disk(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	run(f, &r, "#!ipxe\nsanboot --no-describe --drive 0x80");
	assert_int_equal(r.rc, SN_OK);
	assert_int_equal(r.res.outcome, SCRIPT_LOCAL_BOOT);
	assert_int_equal(r.res.san_drive, 0x80);
	assert_int_equal(r.res.san_no_describe, 1);
	assert_string_equal(r.res.san_filename, "");
	assert_int_equal(r.res.line, 2);
	assert_int_equal(f->n_fetched + f->n_boots, 0);
	script_settings_free(r.s);

	run(f, &r, "#!ipxe\nsanboot --drive=129 --filename \\EFI\\boot\\bootx64.efi\n");
	assert_int_equal(r.res.outcome, SCRIPT_LOCAL_BOOT);
	assert_int_equal(r.res.san_drive, 0x81);
	assert_string_equal(r.res.san_filename, "\\EFI\\boot\\bootx64.efi");
	script_settings_free(r.s);

	run(f, &r, "#!ipxe\nsanboot -d 0\n");
	assert_int_equal(r.res.san_drive, 0);
	script_settings_free(r.s);

	run(f, &r, "#!ipxe\nsanboot iscsi:10.0.0.1::::iqn.2010-04.org.ipxe:disk || echo no-san\n");
	assert_int_equal(r.res.outcome, SCRIPT_ENDED);
	assert_string_equal(f->out, "no-san\n");
	assert_non_null(strstr(f->log, "E0841"));
	done(f, &r);
}

/* ---- commands, options and usage */

static void test_unknown_and_unsupported(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	run(f, &r, "#!ipxe\necho a\nfrobnicate now\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_UNKNOWN_COMMAND);
	assert_non_null(strstr(r.e.ctx, "line 3: frobnicate"));
	script_settings_free(r.s);

	run(f, &r, "#!ipxe\nsanhook iscsi:x\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_UNSUPPORTED);
	assert_non_null(strstr(r.e.ctx, "line 2: sanhook"));
	script_settings_free(r.s);

	f->out[0] = '\0';
	run(f, &r, "#!ipxe\nimgtrust || echo skipped\nshell || echo no-shell\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "skipped\nno-shell\n");
	done(f, &r);
}

static void test_usage_errors(void **state)
{
	static const struct {
		const char *line;
		int code;
		const char *ctx;
	} cases[] = {
		{ "kernel", SN_E_SCRIPT_USAGE, "usage: kernel [--name" },
		{ "kernel --bogus http://x/k", SN_E_SCRIPT_BAD_OPTION, "--bogus" },
		{ "kernel --name", SN_E_SCRIPT_OPTION_VALUE, "--name" },
		{ "echo -n=1 x", SN_E_SCRIPT_BAD_OPTION, "-n=1" },
		{ "kernel --sha256=abc http://x/k", SN_E_SCRIPT_BAD_SHA256, "abc" },
		{ "sleep soon", SN_E_SCRIPT_BAD_NUMBER, "soon" },
		{ "sleep 1 2", SN_E_SCRIPT_USAGE, "2 arguments" },
		{ "exit 1x", SN_E_SCRIPT_BAD_NUMBER, "1x" },
		{ "iseq one", SN_E_SCRIPT_USAGE, "iseq <value1>" },
		{ "sanboot --drive 0xzz", SN_E_SCRIPT_BAD_NUMBER, "--drive" },
		{ "reboot now", SN_E_SCRIPT_USAGE, "reboot [--warm]" },
		{ "imgargs nothing here", SN_E_SCRIPT_NO_IMAGE, "nothing" },
		{ "imgfree ghost", SN_E_SCRIPT_NO_IMAGE, "ghost" },
		{ "imgstat ghost", SN_E_SCRIPT_NO_IMAGE, "ghost" },
		{ "boot", SN_E_SCRIPT_NO_KERNEL, "none selected" },
		{ "kernel --name= http://x/k", SN_E_SCRIPT_IMAGE_NAME, "--name" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake *f = fake_new();
		struct run r;
		char text[256];
		snprintf(text, sizeof(text), "#!ipxe\n%s\n", cases[i].line);
		run(f, &r, text);
		if (r.rc != cases[i].code || !strstr(r.e.ctx, cases[i].ctx))
			fail_msg("\"%s\": got %s (%s)", cases[i].line, sn_codename(r.rc), r.e.ctx);
		assert_non_null(strstr(r.e.ctx, "line 2: "));
		done(f, &r);
	}
}

/* ---- images and boot */

static void test_kernel_initrd_boot(void **state)
{
	struct fake *f = fake_new();
	struct run r;
	const char sha[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char text[1024];

	snprintf(text, sizeof(text), "#!ipxe\n"
		 "kernel --sha256=%s http://files.example/vmlinuz initrd=main console=ttyS0 "
		 "serial=${serial}\n"
		 "initrd --name main --sha256 %s http://files.example/initrd.img\n"
		 "module http://files.example/extra.cpio?v=2#frag\n"
		 "imgstat\n"
		 "boot || echo boot-failed\n", sha, sha);
	run(f, &r, text);
	assert_int_equal(r.rc, SN_OK);
	assert_int_equal(r.res.outcome, SCRIPT_ENDED);   /* the failure was caught */
	assert_int_equal(r.res.boot_attempts, 1);
	assert_int_equal(f->n_boots, 1);
	assert_string_equal(f->boots[0].label, "vmlinuz");
	assert_string_equal(f->boots[0].kernel_url, "http://files.example/vmlinuz");
	assert_string_equal(f->boots[0].cmdline, "initrd=main console=ttyS0 serial=SN-0042");
	assert_int_equal(f->boots[0].n_initrds, 2);
	assert_string_equal(f->boots[0].initrd_urls[0], "http://files.example/initrd.img");
	assert_string_equal(f->boots[0].initrd_urls[1], "http://files.example/extra.cpio?v=2#frag");
	assert_string_equal(f->sha256[0], sha);
	assert_string_equal(f->sha256[1], sha);
	assert_string_equal(f->sha256[2], "");
	assert_string_equal(f->out, "vmlinuz : [SELECTED] initrd=main console=ttyS0 serial=SN-0042\n"
			    "main : [initrd]\nextra.cpio : [initrd]\nboot-failed\n");
	done(f, &r);
}

static void test_boot_outcomes(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	run(f, &r, "#!ipxe\nkernel http://x/k\nboot\necho never\n");
	assert_int_equal(r.rc, SN_E_IO);   /* the hook's own code survives */
	assert_int_equal(r.res.outcome, SCRIPT_BOOT_FAILED);
	assert_non_null(strstr(r.e.ctx, "line 3: boot: boot k: kexec_file_load"));
	script_settings_free(r.s);

	free(f);
	f = fake_new();
	f->boot_rc = SN_OK;
	run(f, &r, "#!ipxe\nkernel http://x/k a=1\nboot\necho never\n");
	assert_int_equal(r.rc, SN_OK);
	assert_int_equal(r.res.outcome, SCRIPT_BOOTED);
	assert_string_equal(f->out, "");
	assert_string_equal(f->boots[0].cmdline, "a=1");
	done(f, &r);
}

static void test_fetch_failure(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	f->fail_substr = "missing";
	run(f, &r, "#!ipxe\nkernel http://x/k\ninitrd http://x/missing.img\nboot\n");
	assert_int_equal(r.rc, SN_E_IO);
	assert_int_equal(r.res.outcome, SCRIPT_FAILED);
	assert_non_null(strstr(r.e.ctx, "line 3: initrd: fetch http://x/missing.img: HTTP 404"));
	assert_int_equal(f->n_boots, 0);
	done(f, &r);
}

static void test_image_lifecycle(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	run(f, &r, "#!ipxe\n"
		   "kernel http://x/old-kernel\n"
		   "initrd http://x/a.img\n"
		   "imgfree\n"
		   "initrd http://one/dup.img\n"
		   "initrd http://two/dup.img\n"      /* same name: replaces */
		   "initrd --name gone http://x/gone.img\n"
		   "imgfree gone\n"
		   "kernel http://x/first\n"
		   "kernel http://x/second\n"         /* drops the first kernel */
		   "imgargs second console=ttyS1 initrd=dup.img\n"
		   "boot || imgfree second\n"
		   "imgfetch --name alt http://x/alt-kernel\n"
		   "boot alt quiet || echo alt-failed\n");
	assert_int_equal(r.rc, SN_OK);
	assert_int_equal(f->n_boots, 2);
	assert_string_equal(f->boots[0].kernel_url, "http://x/second");
	assert_string_equal(f->boots[0].cmdline, "console=ttyS1 initrd=dup.img");
	assert_int_equal(f->boots[0].n_initrds, 1);
	assert_string_equal(f->boots[0].initrd_urls[0], "http://two/dup.img");
	assert_string_equal(f->boots[1].kernel_url, "http://x/alt-kernel");
	assert_string_equal(f->boots[1].label, "alt");
	assert_string_equal(f->boots[1].cmdline, "quiet");
	assert_int_equal(f->boots[1].n_initrds, 1);
	assert_string_equal(f->out, "alt-failed\n");
	done(f, &r);
}

static void test_boot_limits(void **state)
{
	struct fake *f = fake_new();
	struct run r;
	char text[4096], *p;

	p = text + sprintf(text, "#!ipxe\nkernel http://x/k\n");
	for (int i = 0; i <= BOOTIMG_MAX_INITRDS; i++)
		p += sprintf(p, "initrd http://x/i%d\n", i);
	sprintf(p, "boot\n");
	run(f, &r, text);
	assert_int_equal(r.rc, SN_E_SCRIPT_TOO_MANY_INITRDS);
	assert_int_equal(f->n_boots, 0);
	script_settings_free(r.s);

	p = text + sprintf(text, "#!ipxe\n");
	for (unsigned i = 0; i <= SCRIPT_IMAGES_MAX; i++)
		p += sprintf(p, "initrd http://x/i%u\n", i);
	run(f, &r, text);
	assert_int_equal(r.rc, SN_E_SCRIPT_TOO_MANY_IMAGES);
	script_settings_free(r.s);

	run(f, &r, "#!ipxe\nkernel http://x/k\ninitrd http://x/i /etc/cfg mode=0800\nboot\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_CPIO_MODE);
	script_settings_free(r.s);

	p = text + sprintf(text, "#!ipxe\nset w ");
	memset(p, 'w', 1500);
	strcpy(p + 1500, "\nkernel http://x/k ${w} ${w}\nboot\n");
	run(f, &r, text);
	assert_int_equal(r.rc, SN_E_SCRIPT_CMDLINE_TOO_LONG);
	assert_int_equal(f->n_boots, 0);
	done(f, &r);
}

/* ---- URLs */

static void test_url_resolve_rfc3986(void **state)
{
	/* RFC 3986 §5.4.1 and §5.4.2 */
	static const char base[] = "http://a/b/c/d;p?q";
	static const char *cases[][2] = {
		{ "g:h", "g:h" }, { "g", "http://a/b/c/g" }, { "./g", "http://a/b/c/g" },
		{ "g/", "http://a/b/c/g/" }, { "/g", "http://a/g" }, { "//g", "http://g" },
		{ "?y", "http://a/b/c/d;p?y" }, { "g?y", "http://a/b/c/g?y" },
		{ "#s", "http://a/b/c/d;p?q#s" }, { "g#s", "http://a/b/c/g#s" },
		{ "g?y#s", "http://a/b/c/g?y#s" }, { ";x", "http://a/b/c/;x" },
		{ "g;x", "http://a/b/c/g;x" }, { "g;x?y#s", "http://a/b/c/g;x?y#s" },
		{ "", "http://a/b/c/d;p?q" }, { ".", "http://a/b/c/" }, { "./", "http://a/b/c/" },
		{ "..", "http://a/b/" }, { "../", "http://a/b/" }, { "../g", "http://a/b/g" },
		{ "../..", "http://a/" }, { "../../", "http://a/" }, { "../../g", "http://a/g" },
		{ "../../../g", "http://a/g" }, { "../../../../g", "http://a/g" },
		{ "/./g", "http://a/g" }, { "/../g", "http://a/g" }, { "g.", "http://a/b/c/g." },
		{ ".g", "http://a/b/c/.g" }, { "g..", "http://a/b/c/g.." }, { "..g", "http://a/b/c/..g" },
		{ "./../g", "http://a/b/g" }, { "./g/.", "http://a/b/c/g/" },
		{ "g/./h", "http://a/b/c/g/h" }, { "g/../h", "http://a/b/c/h" },
		{ "g;x=1/./y", "http://a/b/c/g;x=1/y" }, { "g;x=1/../y", "http://a/b/c/y" },
		{ "g?y/./x", "http://a/b/c/g?y/./x" }, { "g?y/../x", "http://a/b/c/g?y/../x" },
		{ "g#s/./x", "http://a/b/c/g#s/./x" }, { "g#s/../x", "http://a/b/c/g#s/../x" },
		{ "http:g", "http:g" },
	};
	char out[SCRIPT_URL_MAX + 1];
	struct sn_err e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(script_url_resolve(base, cases[i][0], out, sizeof(out), &e), SN_OK);
		if (strcmp(out, cases[i][1]) != 0)
			fail_msg("\"%s\": got \"%s\", want \"%s\"", cases[i][0], out, cases[i][1]);
	}
	assert_int_equal(script_url_resolve("http://h", "k", out, sizeof(out), &e), SN_OK);
	assert_string_equal(out, "http://h/k");
	assert_int_equal(script_url_resolve(NULL, "vmlinuz", out, sizeof(out), &e),
			 SN_E_SCRIPT_BAD_URL);
	assert_int_equal(script_url_resolve("boot.example/x", "k", out, sizeof(out), &e),
			 SN_E_SCRIPT_BAD_URL);
	assert_int_equal(script_url_resolve(NULL, "https://h/k", out, sizeof(out), &e), SN_OK);
	assert_int_equal(script_url_resolve(base, "gggggggg", out, 12, &e), SN_E_SCRIPT_BAD_URL);
}

static void test_relative_urls_in_script(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	run_base(f, &r, "#!ipxe\nkernel vmlinuz\ninitrd ../common/initrd.img\n"
			"initrd /abs/fw.cpio\ninitrd //mirror.example/x.img\nboot || exit\n",
		 "https://boot.example:8443/profiles/web/boot.ipxe?serial=1");
	assert_int_equal(r.res.outcome, SCRIPT_EXIT);
	assert_string_equal(f->fetched[0], "https://boot.example:8443/profiles/web/vmlinuz");
	assert_string_equal(f->fetched[1], "https://boot.example:8443/profiles/common/initrd.img");
	assert_string_equal(f->fetched[2], "https://boot.example:8443/abs/fw.cpio");
	assert_string_equal(f->fetched[3], "https://mirror.example/x.img");
	script_settings_free(r.s);

	free(f);
	f = fake_new();
	run_base(f, &r, "#!ipxe\nkernel vmlinuz\n", NULL);
	assert_int_equal(r.rc, SN_E_SCRIPT_BAD_URL);
	assert_non_null(strstr(r.e.ctx, "line 2: kernel: relative \"vmlinuz\""));
	done(f, &r);
}

/* ---- chain */

static void test_chain_script(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	f->script_urls[0] = "http://boot.example/v1/next.ipxe";
	f->script_bodies[0] = "#!ipxe\necho in-next\nkernel k/vmlinuz hello\ninitrd k/initrd\nboot\n";
	run(f, &r, "#!ipxe\necho outer\nchain next.ipxe || echo chain-failed\necho after\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "outer\nin-next\nchain-failed\nafter\n");
	assert_string_equal(f->script_fetched[0], "http://boot.example/v1/next.ipxe");
	assert_string_equal(f->boots[0].kernel_url, "http://boot.example/v1/k/vmlinuz");
	assert_string_equal(f->boots[0].cmdline, "hello");
	assert_non_null(strstr(f->log, "next.ipxe:5: boot"));
	script_settings_free(r.s);

	/* uncaught: the nested line and the chain line are both named */
	free(f);
	f = fake_new();
	f->script_urls[0] = "http://boot.example/v1/next.ipxe";
	f->script_bodies[0] = "#!ipxe\n\nfrobnicate\n";
	run(f, &r, "#!ipxe\nchain next.ipxe\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_UNKNOWN_COMMAND);
	assert_non_null(strstr(r.e.ctx, "line 2: chain: next.ipxe:3: frobnicate"));
	assert_int_equal(r.res.outcome, SCRIPT_FAILED);
	script_settings_free(r.s);

	/* an outcome inside the chained script ends everything */
	free(f);
	f = fake_new();
	f->script_urls[0] = "http://boot.example/v1/next.ipxe";
	f->script_bodies[0] = "#!ipxe\nsanboot --no-describe\n";
	run(f, &r, "#!ipxe\nchain next.ipxe\necho never\n");
	assert_int_equal(r.res.outcome, SCRIPT_LOCAL_BOOT);
	assert_non_null(strstr(r.res.reason, "next.ipxe:2"));
	assert_string_equal(f->out, "");
	done(f, &r);
}

static void test_chain_kernel_and_errors(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	f->script_urls[0] = "http://boot.example/k/bzImage";
	f->script_bodies[0] = "MZ\x90\x00 not a script";
	run(f, &r, "#!ipxe\nchain /k/bzImage console=ttyS0 || echo boot-returned\n"
		   "chain http://nowhere.example/x.ipxe || echo fetch-failed\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "boot-returned\nfetch-failed\n");
	assert_int_equal(f->n_boots, 1);
	assert_string_equal(f->boots[0].kernel_url, "http://boot.example/k/bzImage");
	assert_string_equal(f->boots[0].cmdline, "console=ttyS0");
	assert_non_null(strstr(f->log, "HTTP 404 for http://nowhere.example/x.ipxe"));
	script_settings_free(r.s);

	/* a script chaining itself stops at the depth limit */
	free(f);
	f = fake_new();
	f->script_urls[0] = "http://boot.example/v1/loop.ipxe";
	f->script_bodies[0] = "#!ipxe\nchain loop.ipxe\n";
	run(f, &r, "#!ipxe\nchain loop.ipxe\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_CHAIN_DEPTH);
	assert_int_equal(f->n_script_fetched, SCRIPT_CHAIN_DEPTH_MAX);
	script_settings_free(r.s);

	/* chain --replace: the caller does not resume */
	free(f);
	f = fake_new();
	f->script_urls[0] = "http://boot.example/v1/next.ipxe";
	f->script_bodies[0] = "#!ipxe\necho next\n";
	run(f, &r, "#!ipxe\nchain --replace --autofree next.ipxe\necho not-resumed\n");
	assert_int_equal(r.res.outcome, SCRIPT_ENDED);
	assert_string_equal(f->out, "next\n");
	script_settings_free(r.s);

	/* an empty chained script succeeds */
	free(f);
	f = fake_new();
	f->script_urls[0] = "http://boot.example/v1/nul.ipxe";
	f->script_bodies[0] = "#!ipxe\n";
	run(f, &r, "#!ipxe\nchain nul.ipxe && echo empty-ok\n");
	assert_string_equal(f->out, "empty-ok\n");
	done(f, &r);
}

/* ---- mirrors, and URLs in logs */

static void test_mirrors(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	/* every URL reaches the hook, the line's first, mirrors resolved */
	run(f, &r, "#!ipxe\nkernel --mirror=http://m1/k --mirror k2 http://x/k a=1\n"
		   "initrd --mirror http://m1/i http://x/i\nboot\n");
	assert_int_equal(f->n_fetched, 2);
	assert_string_equal(f->fetched[0], "http://x/k");
	assert_string_equal(f->mirrors[0], "http://m1/k http://boot.example/v1/k2");
	assert_int_equal(f->served_by[0], 0);
	assert_string_equal(f->mirrors[1], "http://m1/i");
	assert_int_equal(f->n_boots, 1);
	assert_string_equal(f->boots[0].cmdline, "a=1");
	assert_non_null(strstr(f->log, "k: http://x/k (+2 mirrors)"));
	script_settings_free(r.s);

	/* the first URL down: the mirror serves, the boot goes on */
	free(f);
	f = fake_new();
	f->fail_substr = "//x/";
	run(f, &r, "#!ipxe\nkernel --mirror=http://m1/k http://x/k\n"
		   "module --mirror=http://x/i2 --mirror=http://m2/i http://x/i\nboot\n");
	assert_int_equal(f->n_fetched, 2);
	assert_string_equal(f->fetched[0], "http://m1/k");
	assert_int_equal(f->served_by[0], 1);
	assert_string_equal(f->fetched[1], "http://m2/i");
	assert_int_equal(f->served_by[1], 2);
	assert_int_equal(f->n_boots, 1);
	assert_string_equal(f->boots[0].kernel_url, "http://m1/k");
	assert_string_equal(f->boots[0].initrd_urls[0], "http://m2/i");
	script_settings_free(r.s);

	/* all down: the line fails with the last error, || catches it */
	free(f);
	f = fake_new();
	f->fail_substr = "http";
	run(f, &r, "#!ipxe\nimgfetch --mirror=http://m1/i http://x/i || echo all-down\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "all-down\n");
	assert_int_equal(f->n_fetch_failed, 2);
	assert_non_null(strstr(f->log, "HTTP 404 for http://m1/i"));
	script_settings_free(r.s);

	/* limits and bad values */
	run(f, &r, "#!ipxe\nkernel --mirror=a --mirror=b --mirror=c --mirror=d --mirror=e "
		   "--mirror=f --mirror=g --mirror=h --mirror=i http://x/k\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_TOO_MANY_MIRRORS);
	assert_non_null(strstr(r.e.ctx, "--mirror=i"));
	script_settings_free(r.s);
	run(f, &r, "#!ipxe\nkernel --mirror= http://x/k\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_OPTION_VALUE);
	script_settings_free(r.s);
	run_base(f, &r, "#!ipxe\nkernel --mirror=rel/k https://x/k\n", NULL);
	assert_int_equal(r.rc, SN_E_SCRIPT_BAD_URL);
	assert_non_null(strstr(r.e.ctx, "--mirror 1: "));
	script_settings_free(r.s);
	/* chain takes no mirrors (iPXE has none) */
	run(f, &r, "#!ipxe\nchain --mirror=http://m/s http://x/s\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_BAD_OPTION);
	done(f, &r);
}

/* Signed URLs carry tokens in the query, credentials in userinfo: neither
 * reaches the log or an error's context. */
static void test_urls_in_logs(void **state)
{
	struct fake *f = fake_new();
	struct run r;
	char u[SCRIPT_URL_LOG];

	assert_string_equal(script_url_log("https://u:pw@b/k?X-Sig=SECRET", u),
			    "https://b/k?...");
	f->fail_substr = "fail";
	f->script_urls[0] = "https://b/next.ipxe?token=SECRET3";
	f->script_bodies[0] = "#!ipxe\nexit 3\n";
	run(f, &r, "#!ipxe\nkernel --mirror=https://m/k?sig=SECRET1 https://u:pw@b/k?sig=SECRET2\n"
		   "initrd https://b/fail?sig=SECRET4 || echo caught\n"
		   "chain https://b/next.ipxe?token=SECRET3 || echo chained\n"
		   "chain https://b/none.ipxe?token=SECRET5 || echo missing\n"
		   "chain https://b/fail?token=SECRET6\n");
	assert_string_equal(f->out, "caught\nchained\nmissing\n");
	assert_int_equal(r.rc, SN_E_IO);
	assert_null(strstr(f->log, "SECRET"));
	assert_null(strstr(f->log, "pw@"));
	assert_null(strstr(r.e.ctx, "SECRET"));
	assert_null(strstr(r.res.reason, "SECRET"));
	assert_non_null(strstr(f->log, "k: https://b/k?... (+1 mirror)"));
	assert_non_null(strstr(f->log, "chain: https://b/next.ipxe?...: exit 3"));
	/* the hook still gets the whole URL */
	assert_string_equal(f->fetched[0], "https://u:pw@b/k?sig=SECRET2");
	script_settings_free(r.s);

	/* the command line reaches the boot hook whole, the log masked */
	free(f);
	f = fake_new();
	run(f, &r, "#!ipxe\nkernel https://b/k ip=dhcp join.token=SECRET9 "
		   "ks=https://u:pw@b/ks?sig=SECRET10\nboot\n");
	assert_int_equal(f->n_boots, 1);
	assert_string_equal(f->boots[0].cmdline, "ip=dhcp join.token=SECRET9 "
			    "ks=https://u:pw@b/ks?sig=SECRET10");
	assert_non_null(strstr(f->log, "booting k (0 initrds): ip=dhcp join.token=***"));
	assert_null(strstr(f->log, "SECRET"));
	assert_null(strstr(f->log, "pw@"));
	script_settings_free(r.s);

	/* a relative URL without a base: the message keeps no query */
	run_base(f, &r, "#!ipxe\nkernel k?sig=SECRET7\n", "tftp-ish?x=SECRET8");
	assert_int_equal(r.rc, SN_E_SCRIPT_BAD_URL);
	assert_null(strstr(r.e.ctx, "SECRET"));
	done(f, &r);
}

/* ---- menus */

static void test_menus(void **state)
{
	struct fake *f = fake_new();
	struct run r;

	run(f, &r, "#!ipxe\n"
		   "menu Pick one\n"
		   "item --gap Section\n"
		   "item a First\n"
		   "item --default b Second\n"
		   "choose t && echo t=${t}\n"
		   "menu --name m2 Other\n"
		   "item --menu m2 x X\n"
		   "item --menu m2 y Y\n"
		   "choose --menu m2 --default y --keep t2 && echo t2=${t2}\n"
		   "choose --menu m2 t3 && echo t3=${t3}\n"   /* kept: still there */
		   "choose --menu m2 t4 || echo m2-gone\n"
		   "menu --name m3\n"
		   "choose --menu m3 t5 || echo empty\n"
		   "menu --delete --name m3\n"
		   "item x || echo no-menu\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "t=b\nt2=y\nt3=x\nm2-gone\nempty\nno-menu\n");
	assert_non_null(strstr(f->log, "E0838"));
	assert_non_null(strstr(f->log, "E0839"));
	done(f, &r);
}

/* ---- the corpus: backend-style scripts */

static char *read_corpus(const char *name, size_t *len)
{
	char path[512];
	const char *me = __FILE__;   /* agent/test/test_script.c */
	FILE *fp;
	char *buf;

	snprintf(path, sizeof(path), "%.*scorpus/script/%s",
		 (int)(strrchr(me, '/') ? strrchr(me, '/') - me + 1 : 0), me, name);
	fp = fopen(path, "rb");
	if (!fp)
		fail_msg("cannot open %s", path);
	buf = malloc(SCRIPT_TEXT_MAX + 1);
	assert_non_null(buf);
	*len = fread(buf, 1, SCRIPT_TEXT_MAX, fp);
	buf[*len] = '\0';
	fclose(fp);
	return buf;
}

struct corpus_case {
	const char *file;
	const char *base;
	const char *fail;              /* fetches of URLs holding this fail */
	int fail_count;
	enum script_outcome outcome;
	const char *kernel;            /* first boot's kernel URL, or NULL */
	const char *cmdline_part;
	int n_initrds;
};

static void run_corpus(const struct corpus_case *c, struct fake *f, struct run *r)
{
	size_t len;
	char *text = read_corpus(c->file, &len);

	f->fail_substr = c->fail;
	f->fail_count = c->fail_count;
	run_in(f, r, text, len, c->base);
	free(text);
	if (r->res.outcome != c->outcome)
		fail_msg("%s: outcome %d (%s), want %d", c->file, r->res.outcome,
			 r->res.reason, c->outcome);
	if (c->kernel) {
		assert_true(f->n_boots > 0);
		assert_string_equal(f->boots[0].kernel_url, c->kernel);
		if (!strstr(f->boots[0].cmdline, c->cmdline_part))
			fail_msg("%s: cmdline \"%s\" lacks \"%s\"", c->file,
				 f->boots[0].cmdline, c->cmdline_part);
		assert_int_equal(f->boots[0].n_initrds, c->n_initrds);
	} else {
		assert_int_equal(f->n_boots, 0);
	}
}

static void test_corpus(void **state)
{
	static const struct corpus_case cases[] = {
		{ "bytedance_local.ipxe", NULL, NULL, 0, SCRIPT_LOCAL_BOOT, NULL, NULL, 0 },
		{ "tinkerbell_local.ipxe", NULL, NULL, 0, SCRIPT_EXIT, NULL, NULL, 0 },
		{ "maas_local.ipxe", NULL, NULL, 0, SCRIPT_EXIT, NULL, NULL, 0 },
		{ "tinkerbell_hook.ipxe", NULL, NULL, 0, SCRIPT_EXIT,
		  "http://10.1.1.1:8080/vmlinuz-x86_64",
		  "worker_id=52:54:00:12:34:56 hw_addr=52:54:00:12:34:56 modules=loop", 1 },
		{ "tinkerbell_hook.ipxe", NULL, "vmlinuz", 3, SCRIPT_EXIT,
		  "http://10.1.1.1:8080/vmlinuz-x86_64", "initrd=initramfs-x86_64", 1 },
		{ "tinkerbell_hook.ipxe", NULL, "vmlinuz", 0, SCRIPT_EXIT, NULL, NULL, 0 },
		{ "maas_commission.ipxe", "http://10.0.0.2:5248/ipxe.cfg-52:54:00:12:34:56", NULL, 0,
		  SCRIPT_BOOT_FAILED, "http://10.0.0.2:5248/images/ubuntu/amd64/ga-22.04/jammy/stable/boot-kernel",
		  "ip=::::node7:BOOTIF ip6=off cc:{'datasource_list': ['MAAS']}end_cc", 1 },
		{ "ironic_deploy.ipxe", "http://192.0.2.1:8080/boot.ipxe", NULL, 0, SCRIPT_BOOT_FAILED,
		  "http://192.0.2.1:8080/1be26c0b/deploy_kernel",
		  "BOOTIF=52:54:00:12:34:56 initrd=deploy_ramdisk", 1 },
		{ "ironic_deploy.ipxe", "http://192.0.2.1:8080/boot.ipxe", "deploy_ramdisk", 0,
		  SCRIPT_POWEROFF, NULL, NULL, 0 },
		{ "matchbox_fcos.ipxe", "http://matchbox.example:8080/ipxe", NULL, 0, SCRIPT_BOOT_FAILED,
		  "http://matchbox.example:8080/assets/fedora-coreos/fedora-coreos-39-live-kernel-x86_64",
		  "ignition_url=http://matchbox.example:8080/ignition?uuid="
		  "4c4c4544-0042-3510-8052-b4c04f4b3732&mac=52-54-00-12-34-56 console=tty0", 1 },
		{ "foreman_kickstart.ipxe", NULL, NULL, 0, SCRIPT_EXIT,
		  "http://foreman.example.com/pub/rhel9/vmlinuz",
		  "ksdevice=52:54:00:12:34:56 network kssendmac ip=10.0.0.50:::", 1 },
		{ "menu_default.ipxe", NULL, NULL, 0, SCRIPT_LOCAL_BOOT,
		  "http://mirror.example.com/ubuntu/vmlinuz", "ip=dhcp url=", 1 },
		{ "crlf.ipxe", NULL, NULL, 0, SCRIPT_BOOT_FAILED, "http://x.example/k", "quiet", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake *f = fake_new();
		struct run r;
		run_corpus(&cases[i], f, &r);
		if (i == 5) {   /* kernel never arrives: ten retries, then give up */
			assert_int_equal(f->n_fetch_failed, 11);
			assert_int_equal(f->n_sleeps, 10);
			assert_int_equal(r.res.exit_status, 1);
		}
		if (i == 8)     /* ironic: ten retries with growing sleeps */
			assert_int_equal(f->slept_ms, (55 + 30) * 1000);
		if (i == 11)
			assert_non_null(strstr(f->log, "choose: no keyboard, taking \"ubuntu\""));
		done(f, &r);
	}
}

static void test_corpus_chains(void **state)
{
	struct fake *f = fake_new();
	struct run r;
	size_t len;
	char *maas = read_corpus("maas_commission.ipxe", &len);
	char *fcos = read_corpus("matchbox_fcos.ipxe", &len);

	/* MAAS: per-MAC config missing, the arch default is served */
	f->script_urls[0] = "http://10.0.0.2:5248/ipxe.cfg-default-amd64";
	f->script_bodies[0] = maas;
	{
		struct corpus_case c = { "maas_bootstrap.ipxe", "http://10.0.0.2:5248/", NULL, 0,
			SCRIPT_BOOT_FAILED,
			"http://10.0.0.2:5248/images/ubuntu/amd64/ga-22.04/jammy/stable/boot-kernel",
			"BOOTIF=01-52-54-00-12-34-56", 1 };
		run_corpus(&c, f, &r);
	}
	assert_int_equal(f->n_script_fetched, 2);
	assert_string_equal(f->script_fetched[0], "http://10.0.0.2:5248/ipxe.cfg-52:54:00:12:34:56");
	script_settings_free(r.s);
	free(f);

	/* Matchbox: a relative URL with a query, expanded */
	f = fake_new();
	f->script_urls[0] = "http://matchbox.example:8080/ipxe?uuid=4c4c4544-0042-3510-8052-"
			    "b4c04f4b3732&mac=52-54-00-12-34-56&domain=&hostname=node7&serial=SN-0042";
	f->script_bodies[0] = fcos;
	{
		struct corpus_case c = { "matchbox_boot.ipxe", "http://matchbox.example:8080/boot.ipxe",
			NULL, 0, SCRIPT_BOOT_FAILED,
			"http://matchbox.example:8080/assets/fedora-coreos/fedora-coreos-39-live-kernel-x86_64",
			"initrd=main", 1 };
		run_corpus(&c, f, &r);
	}
	free(maas);
	free(fcos);
	done(f, &r);
}

/* ---- docs: every command and every error code has its place */

static void test_docs_cover_table(void **state)
{
	char path[512];
	const char *me = __FILE__;
	const char *cut = strstr(me, "agent/test/");
	FILE *fp;
	char *doc = calloc(1, 1 << 20);
	static const struct { int code; const char *name; } codes[] = {
#define E(num, name, text) { num, #name },
#include "script/errors_script.def"
#undef E
	};

	assert_non_null(doc);
	snprintf(path, sizeof(path), "%.*sdocs/script.md", cut ? (int)(cut - me) : 0, me);
	fp = fopen(path, "r");
	if (!fp)
		fail_msg("cannot open %s", path);
	assert_true(fread(doc, 1, (1 << 20) - 1, fp) > 0);
	fclose(fp);
	for (size_t i = 0; script_cmd_info(i); i++) {
		const struct script_cmd_info *ci = script_cmd_info(i);
		char want[300];
		if (ci->supported) {
			snprintf(want, sizeof(want), "### %s\n", ci->name);
			if (!strstr(doc, want))
				fail_msg("docs/script.md: no section \"### %s\"", ci->name);
			snprintf(want, sizeof(want), "    %s\n", ci->usage);
			if (!strstr(doc, want))
				fail_msg("docs/script.md: usage of %s differs from the table", ci->name);
		} else {
			snprintf(want, sizeof(want), "`%s`", ci->name);
			if (!strstr(doc, want))
				fail_msg("docs/script.md: unsupported %s not listed", ci->name);
		}
	}
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		char want[64];
		snprintf(want, sizeof(want), "E%04d", codes[i].code);
		if (!strstr(doc, want) || !strstr(doc, codes[i].name))
			fail_msg("docs/script.md: %s (%s) not documented", want, codes[i].name);
	}
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_huge_line),
		cmocka_unit_test(test_too_big_and_too_many_words),
		cmocka_unit_test(test_continuation_comments_crlf),
		cmocka_unit_test(test_or_and),
		cmocka_unit_test(test_uncaught_failure),
		cmocka_unit_test(test_goto),
		cmocka_unit_test(test_goto_loop_limit),
		cmocka_unit_test(test_counted_loop),
		cmocka_unit_test(test_expand_words),
		cmocka_unit_test(test_expand_in_script),
		cmocka_unit_test(test_settings_commands),
		cmocka_unit_test(test_settings_store),
		cmocka_unit_test(test_echo_sleep_prompt),
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_bytedance_local_disk),
		cmocka_unit_test(test_unknown_and_unsupported),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_kernel_initrd_boot),
		cmocka_unit_test(test_boot_outcomes),
		cmocka_unit_test(test_fetch_failure),
		cmocka_unit_test(test_image_lifecycle),
		cmocka_unit_test(test_boot_limits),
		cmocka_unit_test(test_url_resolve_rfc3986),
		cmocka_unit_test(test_relative_urls_in_script),
		cmocka_unit_test(test_chain_script),
		cmocka_unit_test(test_chain_kernel_and_errors),
		cmocka_unit_test(test_mirrors),
		cmocka_unit_test(test_urls_in_logs),
		cmocka_unit_test(test_menus),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_corpus_chains),
		cmocka_unit_test(test_docs_cover_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
