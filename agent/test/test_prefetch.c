/* Parallel downloads in scripts: which lines may be fetched ahead (the
 * look-ahead rule over parsed lines), download identity (adopt or drop),
 * and the interpreter driving fake prefetch hooks: each line's status is
 * still its own download's. */
#include "fixtures.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "script/script_prefetch.h"

/* ---- the look-ahead rule */

/* Indexes, as text ("2 3"), of the lines scan gives after the line whose
 * text starts with after. */
static void scan(const char *text, const char *after, size_t max, char *out, size_t size)
{
	struct script_program p;
	struct sn_err e;
	size_t idx[32], n, from = (size_t)-1;

	assert_int_equal(script_program_parse(text, strlen(text), &p, &e), SN_OK);
	for (size_t i = 0; i < p.n_lines; i++)
		if (from == (size_t)-1 && strncmp(p.lines[i].text, after, strlen(after)) == 0)
			from = i;
	assert_true(from != (size_t)-1);
	n = script_prefetch_scan(&p, from, idx, max);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		/* the line's own text, so the expectation reads as the script */
		size_t l = strlen(out);
		snprintf(out + l, size - l, "%s%s", l ? "|" : "", p.lines[idx[i]].text);
	}
	script_program_free(&p);
}

static void test_scan_consecutive_image_lines(void **state)
{
	char got[512];

	scan("#!ipxe\nkernel k\ninitrd a\nmodule b\nimgfetch c\nboot\ninitrd d\n", "kernel", 16,
	     got, sizeof(got));
	assert_string_equal(got, "initrd a|module b|imgfetch c");
	/* from an initrd line: the ones after it */
	scan("#!ipxe\nkernel k\ninitrd a\ninitrd b\n", "initrd a", 16, got, sizeof(got));
	assert_string_equal(got, "initrd b");
	/* at most max */
	scan("#!ipxe\nkernel k\ninitrd a\ninitrd b\ninitrd c\n", "kernel", 2, got, sizeof(got));
	assert_string_equal(got, "initrd a|initrd b");
	/* ${} is expanded later, when the line is started: still eligible */
	scan("#!ipxe\nkernel k\ninitrd ${base}/a --name x\n", "kernel", 16, got, sizeof(got));
	assert_string_equal(got, "initrd ${base}/a --name x");
}

static void test_scan_stops(void **state)
{
	char got[512];

	/* a second kernel, set, echo, a label, an empty/comment line, chain */
	scan("#!ipxe\nkernel k\ninitrd a\nkernel k2\ninitrd b\n", "kernel k", 16, got,
	     sizeof(got));
	assert_string_equal(got, "initrd a");
	scan("#!ipxe\nkernel k\nset x 1\ninitrd a\n", "kernel", 16, got, sizeof(got));
	assert_string_equal(got, "");
	scan("#!ipxe\nkernel k\ninitrd a\n:here\ninitrd b\n", "kernel", 16, got, sizeof(got));
	assert_string_equal(got, "initrd a");
	scan("#!ipxe\nkernel k\ninitrd a\n# comment\ninitrd b\n", "kernel", 16, got, sizeof(got));
	assert_string_equal(got, "initrd a");
	scan("#!ipxe\nkernel k\n\ninitrd b\n", "kernel", 16, got, sizeof(got));
	assert_string_equal(got, "");
	scan("#!ipxe\nkernel k\nchain x.ipxe\ninitrd b\n", "kernel", 16, got, sizeof(got));
	assert_string_equal(got, "");
	/* initrd without a URL is a usage error, not a download */
	scan("#!ipxe\nkernel k\ninitrd\ninitrd b\n", "kernel", 16, got, sizeof(got));
	assert_string_equal(got, "");
	/* the last line of the script */
	scan("#!ipxe\nkernel k\n", "kernel", 16, got, sizeof(got));
	assert_string_equal(got, "");
}

/* A line with || / && / ; is taken (its first command is the download),
 * but nothing after it: its status may jump elsewhere. */
static void test_scan_jumping_line_is_last(void **state)
{
	char got[512];

	scan("#!ipxe\nkernel k\ninitrd a || goto fail\ninitrd b\n:fail\n", "kernel", 16, got,
	     sizeof(got));
	assert_string_equal(got, "initrd a || goto fail");
	scan("#!ipxe\nkernel k\ninitrd a && echo ok\ninitrd b\n", "kernel", 16, got, sizeof(got));
	assert_string_equal(got, "initrd a && echo ok");
	scan("#!ipxe\nkernel k\ninitrd a ; goto x\ninitrd b\n", "kernel", 16, got, sizeof(got));
	assert_string_equal(got, "initrd a ; goto x");
	/* a comment after the URL is no second command */
	scan("#!ipxe\nkernel k\ninitrd a # the root\ninitrd b\n", "kernel", 16, got, sizeof(got));
	assert_string_equal(got, "initrd a # the root|initrd b");
	/* a goto as the first command is no image line */
	scan("#!ipxe\nkernel k\ngoto x || initrd a\n", "kernel", 16, got, sizeof(got));
	assert_string_equal(got, "");
}

static void test_scan_starters(void **state)
{
	assert_true(script_prefetch_starts("kernel"));
	assert_true(script_prefetch_starts("imgselect"));
	assert_true(script_prefetch_starts("initrd"));
	assert_true(script_prefetch_starts("imgfetch"));
	assert_true(script_prefetch_starts("module"));
	assert_false(script_prefetch_starts("chain"));
	assert_false(script_prefetch_starts("sha256sum"));
	assert_false(script_prefetch_starts("imgextract"));
	assert_false(script_prefetch_starts(NULL));
}

/* ---- download identity: adopt only the very same download */

static void test_match(void **state)
{
	const char *one[] = { "http://s/a" };
	const char *two[] = { "http://s/a", "http://m/a" };
	const char *swapped[] = { "http://m/a", "http://s/a" };
	const char *other[] = { "http://s/b" };
	const char *sha = "aa00000000000000000000000000000000000000000000000000000000000000";
	const char *sha2 = "bb00000000000000000000000000000000000000000000000000000000000000";
	char *k1 = script_prefetch_key(one, 1, NULL);
	char *k2 = script_prefetch_key(two, 2, sha);

	assert_non_null(k1);
	assert_non_null(k2);
	assert_true(script_prefetch_match(k1, one, 1, NULL));
	assert_false(script_prefetch_match(k1, one, 1, sha));        /* a pin added */
	assert_false(script_prefetch_match(k1, other, 1, NULL));     /* another URL */
	assert_false(script_prefetch_match(k1, two, 2, NULL));       /* a mirror added */
	assert_true(script_prefetch_match(k2, two, 2, sha));
	assert_false(script_prefetch_match(k2, two, 2, sha2));       /* another pin */
	assert_false(script_prefetch_match(k2, two, 1, sha));        /* a mirror fewer */
	assert_false(script_prefetch_match(k2, swapped, 2, sha));    /* mirrors reordered */
	/* no URL runs into the next one: "a\nb" is not "a" + "\nb" */
	{
		const char *ab[] = { "http://s/a", "b" };
		const char *joined[] = { "http://s/a\nb" };
		char *k = script_prefetch_key(ab, 2, NULL);
		assert_false(script_prefetch_match(k, joined, 1, "b"));
		free(k);
	}
	assert_false(script_prefetch_match(NULL, one, 1, NULL));
	free(k1);
	free(k2);
}

/* ---- the interpreter with fake hooks */

#define MAXC 32

struct pf {
	char url[256];
	char sha[72];
	char beside[256];
	int taken, dropped;
};

struct fake {
	unsigned slots;                /* prefetches that may run at once */
	unsigned running;
	const char *fail_substr;       /* a download whose URL holds it fails */
	struct pf pf[MAXC];
	int n_pf;
	char fetched[MAXC][256];       /* op_fetch's, in order */
	int n_fetched;
	char events[4096];             /* "start a, fetch k, take a, ..." */
	int booted, boot_initrds;
	char boot_label[64];
	char log[8192];
};

static void event(struct fake *f, const char *what, const char *url)
{
	const char *base = strrchr(url, '/');
	size_t l = strlen(f->events);

	snprintf(f->events + l, sizeof(f->events) - l, "%s%s %s", l ? ", " : "", what,
		 base ? base + 1 : url);
}

static int download(struct fake *f, const char *url, int *fd, struct sn_err *e)
{
	if (f->fail_substr && strstr(url, f->fail_substr))
		return sn_fail(e, SN_E_IO, "sha256 mismatch for %s", url);
	*fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(*fd >= 0);
	return SN_OK;
}

static int f_fetch(void *arg, const char *const *urls, size_t n, const char *sha, int *fd,
		   struct sn_err *e)
{
	struct fake *f = arg;

	assert_true(f->n_fetched < MAXC);
	snprintf(f->fetched[f->n_fetched++], sizeof(f->fetched[0]), "%s", urls[0]);
	event(f, "fetch", urls[0]);
	return download(f, urls[0], fd, e);
}

static void *f_start(void *arg, const char *const *urls, size_t n, const char *sha,
		     const char *beside)
{
	struct fake *f = arg;
	struct pf *p;

	if (f->running >= f->slots)
		return NULL;
	assert_true(f->n_pf < MAXC);
	p = &f->pf[f->n_pf++];
	snprintf(p->url, sizeof(p->url), "%s", urls[0]);
	snprintf(p->sha, sizeof(p->sha), "%s", sha ? sha : "");
	snprintf(p->beside, sizeof(p->beside), "%s", beside);
	f->running++;
	event(f, "start", urls[0]);
	return p;
}

static int f_take(void *arg, void *h, int *fd, struct sn_err *e)
{
	struct fake *f = arg;
	struct pf *p = h;

	assert_false(p->taken || p->dropped);
	p->taken = 1;
	f->running--;
	event(f, "take", p->url);
	return download(f, p->url, fd, e);
}

static void f_drop(void *arg, void *h)
{
	struct fake *f = arg;
	struct pf *p = h;

	assert_false(p->taken || p->dropped);
	p->dropped = 1;
	f->running--;
	event(f, "drop", p->url);
}

static int f_boot(void *arg, const struct boot_image *img, struct sn_err *e)
{
	struct fake *f = arg;

	f->booted++;
	f->boot_initrds = img->n_initrds;
	snprintf(f->boot_label, sizeof(f->boot_label), "%s", img->label);
	/* nothing may still be downloading when the machine boots */
	assert_int_equal(f->running, 0);
	return SN_OK;
}

static void f_log(void *arg, const char *msg)
{
	struct fake *f = arg;
	size_t l = strlen(f->log);

	snprintf(f->log + l, sizeof(f->log) - l, "%s\n", msg);
}

static void f_echo(void *arg, const char *text)
{
}

static void f_sleep(void *arg, unsigned ms)
{
}

static const struct script_ops ops = {
	.fetch = f_fetch, .boot = f_boot, .echo = f_echo, .sleep_ms = f_sleep, .log = f_log,
	.prefetch_start = f_start, .prefetch_take = f_take, .prefetch_drop = f_drop,
};

static int run(struct fake *f, const char *text, struct script_result *res, struct sn_err *e)
{
	struct script_settings *s = script_settings_new();
	int rc;

	assert_non_null(s);
	script_set(s, "base", "http://srv/b");
	rc = script_run(text, strlen(text), "http://srv/boot.ipxe", s, &ops, f, res, e);
	script_settings_free(s);
	/* every prefetch was taken or dropped, once */
	for (int i = 0; i < f->n_pf; i++)
		assert_int_equal(f->pf[i].taken + f->pf[i].dropped, 1);
	assert_int_equal(f->running, 0);
	return rc;
}

static void test_run_two_initrds_in_parallel(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct script_result res;
	struct sn_err e;

	f->slots = 4;
	assert_int_equal(run(f, "#!ipxe\nkernel ${base}/vmlinuz quiet\ninitrd ${base}/a.img\n"
			     "initrd --sha256 " "aa00000000000000000000000000000000000000000000"
			     "000000000000000000 ${base}/b.img\nboot\n", &res, &e), SN_OK);
	assert_int_equal(res.outcome, SCRIPT_BOOTED);
	/* both started before the kernel's own download, then adopted */
	assert_string_equal(f->events, "start a.img, start b.img, fetch vmlinuz, take a.img, "
			    "take b.img");
	assert_string_equal(f->pf[0].beside, "http://srv/b/vmlinuz");
	assert_string_equal(f->pf[1].sha, "aa00000000000000000000000000000000000000000000"
			    "000000000000000000");
	assert_int_equal(f->boot_initrds, 2);
	assert_string_equal(f->boot_label, "vmlinuz");
	/* each line logs as it always did, in script order */
	assert_non_null(strstr(f->log, "vmlinuz: http://srv/b/vmlinuz\n"
				       "a.img: http://srv/b/a.img\nb.img: http://srv/b/b.img\n"));
	free(f);
}

/* One slot: a pipeline, never more than one in the background. */
static void test_run_one_slot(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct script_result res;
	struct sn_err e;

	f->slots = 1;
	assert_int_equal(run(f, "#!ipxe\nkernel k\ninitrd a\ninitrd b\ninitrd c\nboot\n", &res,
			     &e), SN_OK);
	assert_string_equal(f->events, "start a, fetch k, take a, start c, fetch b, take c");
	assert_int_equal(f->boot_initrds, 3);
	free(f);
}

/* No spare CPU (the agent's hook starts nothing): downloads as before. */
static void test_run_no_slot(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct script_result res;
	struct sn_err e;

	assert_int_equal(run(f, "#!ipxe\nkernel k\ninitrd a\nboot\n", &res, &e), SN_OK);
	assert_string_equal(f->events, "fetch k, fetch a");
	assert_int_equal(f->boot_initrds, 1);
	free(f);
}

/* The prefetched initrd fails: the error is that line's, `|| goto` works. */
static void test_run_failure_is_the_lines(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct script_result res;
	struct sn_err e;

	f->slots = 4;
	f->fail_substr = "/b";
	assert_int_equal(run(f, "#!ipxe\nkernel k\ninitrd a\ninitrd b || goto fail\nboot\n"
			     ":fail\necho failed\nsanboot\n", &res, &e), SN_OK);
	assert_string_equal(f->events, "start a, start b, fetch k, take a, take b");
	assert_int_equal(res.outcome, SCRIPT_LOCAL_BOOT);
	assert_int_equal(f->booted, 0);
	assert_non_null(strstr(f->log, "line 4: initrd: fetch http://srv/b: sha256 mismatch"));
	memset(f, 0, sizeof(*f));

	/* uncaught: the script fails at line 4, as without prefetching */
	f->slots = 4;
	f->fail_substr = "/b";
	assert_int_equal(run(f, "#!ipxe\nkernel k\ninitrd a\ninitrd b\nboot\n", &res, &e),
			 SN_E_IO);
	assert_int_equal(res.outcome, SCRIPT_FAILED);
	assert_int_equal(res.line, 4);
	assert_string_equal(f->events, "start a, start b, fetch k, take a, take b");
	free(f);
}

/* The kernel fails and jumps away: the initrds started for the lines it
 * skipped are dropped, never adopted. */
static void test_run_jump_drops(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct script_result res;
	struct sn_err e;

	f->slots = 4;
	f->fail_substr = "/k";
	assert_int_equal(run(f, "#!ipxe\nkernel k || goto fail\ninitrd a\ninitrd b\nboot\n"
			     ":fail\nsanboot\n", &res, &e), SN_OK);
	assert_int_equal(res.outcome, SCRIPT_LOCAL_BOOT);
	assert_string_equal(f->events, "start a, start b, fetch k, drop b, drop a");
	memset(f, 0, sizeof(*f));

	/* the kernel's failure ends the script: dropped too */
	f->slots = 4;
	f->fail_substr = "/k";
	assert_int_equal(run(f, "#!ipxe\nkernel k\ninitrd a\nboot\n", &res, &e), SN_E_IO);
	assert_string_equal(f->events, "start a, fetch k, drop a");
	free(f);
}

/* A ||-line is prefetched too; a line whose options do not parse starts
 * nothing ahead and fails at its own turn, as it would have. */
static void test_run_line_errors(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct script_result res;
	struct sn_err e;

	f->slots = 4;
	assert_int_equal(run(f, "#!ipxe\nkernel k\ninitrd a\nimgfetch http://srv/c || echo no\n"
			     "boot\n", &res, &e), SN_OK);
	assert_string_equal(f->events, "start a, start c, fetch k, take a, take c");
	memset(f, 0, sizeof(*f));
	/* the lines after the unparsable one are looked at when it is reached */
	f->slots = 4;
	assert_int_equal(run(f, "#!ipxe\nkernel k\ninitrd --bogus a || echo no\ninitrd b\nboot\n",
			     &res, &e), SN_OK);
	assert_string_equal(f->events, "fetch k, fetch b");
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_consecutive_image_lines),
		cmocka_unit_test(test_scan_stops),
		cmocka_unit_test(test_scan_jumping_line_is_last),
		cmocka_unit_test(test_scan_starters),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_run_two_initrds_in_parallel),
		cmocka_unit_test(test_run_one_slot),
		cmocka_unit_test(test_run_no_slot),
		cmocka_unit_test(test_run_failure_is_the_lines),
		cmocka_unit_test(test_run_jump_drops),
		cmocka_unit_test(test_run_line_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
