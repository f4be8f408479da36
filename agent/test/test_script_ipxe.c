/* iPXE semantics added for the compatibility corpus: exit inside chained
 * scripts, typed settings, initrds wrapped into cpio entries, the digest,
 * read, imgextract, ifstat, ntp, vcreate/dhcp and signature commands, and
 * the settings filled from a lease. Fake ops record every call; images
 * are memfds holding the bytes the test chose. */
#include "fixtures.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "net/lease.h"
#include "net/nic.h"
#include "script/script.h"
#include "script/script_int.h"
#include "script/script_settings.h"

struct fake {
	const char *script_urls[8];
	const char *script_bodies[8];
	char fetched[32][256];
	int n_fetched;
	char initrd[BOOTIMG_MAX_INITRDS][1024];   /* bytes handed to boot */
	size_t initrd_len[BOOTIMG_MAX_INITRDS];
	int n_initrds, n_boots;
	char cmdline[2048];
	char out[8192];
	char log[16384];
	int with_hooks;
	char ntp_server[64];
	char vlan[64];
	char dhcp_if[64];
	char algo[16];
	char script_sha[72];
};

static int memfd_with(const char *bytes, size_t len)
{
	int fd = memfd_create("fake", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* The image's bytes are "<bytes of URL's last component>". */
static int fake_fetch(void *arg, const char *const *urls, size_t n_urls, const char *sha256,
		      int *fd, struct sn_err *e)
{
	struct fake *f = arg;
	const char *url = urls[0];
	const char *base = strrchr(url, '/') ? strrchr(url, '/') + 1 : url;

	assert_true(f->n_fetched < 32);
	snprintf(f->fetched[f->n_fetched++], sizeof(f->fetched[0]), "%s", url);
	if (strstr(url, "missing"))
		return sn_fail(e, SN_E_IO, "HTTP 404 for %s", url);
	*fd = memfd_with(base, strlen(base));
	return SN_OK;
}

static int fake_fetch_script(void *arg, const char *url, const char *sha256, char **buf,
			     size_t *len, struct sn_err *e)
{
	struct fake *f = arg;

	snprintf(f->script_sha, sizeof(f->script_sha), "%s", sha256 ? sha256 : "");
	for (int i = 0; i < 8 && f->script_urls[i]; i++)
		if (strcmp(f->script_urls[i], url) == 0) {
			*buf = strdup(f->script_bodies[i]);
			*len = strlen(*buf);
			return SN_OK;
		}
	return sn_fail(e, SN_E_IO, "HTTP 404 for %s", url);
}

static int fake_boot(void *arg, const struct boot_image *img, struct sn_err *e)
{
	struct fake *f = arg;

	f->n_boots++;
	snprintf(f->cmdline, sizeof(f->cmdline), "%s", img->cmdline);
	f->n_initrds = img->n_initrds;
	for (int i = 0; i < img->n_initrds; i++) {
		ssize_t n = pread(img->initrd_fds[i], f->initrd[i], sizeof(f->initrd[i]), 0);
		assert_true(n >= 0);
		f->initrd_len[i] = (size_t)n;
	}
	return SN_OK;   /* a dry run: the boot "worked" */
}

static void fake_echo(void *arg, const char *text)
{
	struct fake *f = arg;
	strncat(f->out, text, sizeof(f->out) - strlen(f->out) - 1);
}

static void fake_log(void *arg, const char *msg)
{
	struct fake *f = arg;
	strncat(f->log, msg, sizeof(f->log) - strlen(f->log) - 2);
	strcat(f->log, "\n");
}

static int fake_digest(void *arg, const char *algo, int fd, char *hex, size_t size,
		       struct sn_err *e)
{
	struct fake *f = arg;
	char buf[64] = "";

	assert_true(pread(fd, buf, sizeof(buf) - 1, 0) >= 0);
	snprintf(f->algo, sizeof(f->algo), "%s", algo);
	snprintf(hex, size, "%s-of-%s", algo, buf);
	return SN_OK;
}

/* "Decompresses" by dropping a ".gz" the bytes end in. */
static int fake_extract(void *arg, int fd, int *out, struct sn_err *e)
{
	char buf[256] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 3 || strcmp(buf + n - 3, ".gz") != 0)
		return sn_fail(e, SN_E_SCRIPT_EXTRACT, "not gzip data");
	*out = memfd_with(buf, (size_t)n - 3);
	return SN_OK;
}

static int fake_ntp(void *arg, const char *server, struct sn_err *e)
{
	struct fake *f = arg;
	snprintf(f->ntp_server, sizeof(f->ntp_server), "%s", server);
	return strcmp(server, "unreachable") == 0 ? sn_fail(e, SN_E_IO, "no answer") : SN_OK;
}

static int fake_vcreate(void *arg, const char *trunk, unsigned tag, unsigned prio,
			struct sn_err *e)
{
	struct fake *f = arg;
	snprintf(f->vlan, sizeof(f->vlan), "%s-%u/%u", trunk, tag, prio);
	return SN_OK;
}

static int fake_dhcp(void *arg, const char *ifname, unsigned timeout_ms,
		     struct script_settings *s, struct sn_err *e)
{
	struct fake *f = arg;
	char key[64];

	snprintf(f->dhcp_if, sizeof(f->dhcp_if), "%s/%u", ifname, timeout_ms);
	snprintf(key, sizeof(key), "%s/ip", ifname);
	return script_set(s, key, "192.168.42.7");
}

static const struct script_ops bare_ops = {
	.fetch = fake_fetch, .fetch_script = fake_fetch_script, .boot = fake_boot,
	.echo = fake_echo, .log = fake_log,
};
static const struct script_ops hook_ops = {
	.fetch = fake_fetch, .fetch_script = fake_fetch_script, .boot = fake_boot,
	.echo = fake_echo, .log = fake_log, .digest = fake_digest,
	.extract = fake_extract, .ntp = fake_ntp, .vcreate = fake_vcreate,
	.dhcp = fake_dhcp,
};

struct run {
	int rc;
	struct script_result res;
	struct sn_err e;
	struct script_settings *s;
};

static void settings_fill(struct script_settings *s)
{
	static const char *kv[][2] = {
		{ "ip", "192.168.0.1" }, { "netmask", "255.255.255.0" },
		{ "gateway", "192.168.0.254" }, { "mac", "52:54:00:12:34:56" },
		{ "net0/mac", "52:54:00:12:34:56" }, { "net0/ip", "192.168.0.1" },
		{ "net0/chip", "e1000" }, { "net0/busid", "01:80:86:10:0e" },
		{ "net1/mac", "52:54:00:ab:cd:ef" }, { "net1/chip", "virtio_net" },
		{ "uuid", "4c4c4544-0042-3510-8052-b4c04f4b3732" }, { "mtu", "1500" },
		{ "hostname", "node7" }, { "serial", "SN-0042" },
	};
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		assert_int_equal(script_set(s, kv[i][0], kv[i][1]), SN_OK);
}

static struct fake *run_ops(struct run *r, const struct script_ops *ops, const char *text)
{
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	r->s = script_settings_new();
	settings_fill(r->s);
	sn_clear(&r->e);
	return f;
}

static void go(struct fake *f, struct run *r, const struct script_ops *ops, const char *text)
{
	r->rc = script_run(text, strlen(text), "http://boot.example/v1/boot", r->s, ops, f,
			   &r->res, &r->e);
	if (r->rc == SN_OK)
		assert_int_equal(r->e.code, SN_OK);
	else
		assert_int_equal(r->e.code, r->rc);
}

static void done(struct fake *f, struct run *r)
{
	script_settings_free(r->s);
	free(f);
}

/* ---- exit: ends its own script; at the top, the run */

/* `set name:type` keeps the type: netboot.xyz's ANSI clear-screen */
static void test_typed_set(void **state)
{
	struct run r;
	struct fake *f = run_ops(&r, &bare_ops, NULL);

	go(f, &r, &bare_ops, "#!ipxe\nset cls:hex 1b:5b:4a\nset cls ${cls:string}\n"
			     "echo [${cls}]\nset space:hex 20:20\nset space ${space:string}\n"
			     "echo [${space}]\nset n:int32 -2\necho ${n:hex} ${n:uint8}\n"
			     "set a:ipv4 10.1.2.3\necho ${a:hexraw}\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "[\x1b[J]\n[  ]\nff:ff:ff:fe 0xfffffffe\n0a010203\n");
	done(f, &r);
}

/* iPXE's show_menu: a --default that matches nothing (netboot.xyz's
 * `--default ${menu}` with menu unset) takes the first item */
static void test_choose_empty_default(void **state)
{
	struct run r;
	struct fake *f = run_ops(&r, &bare_ops, NULL);

	go(f, &r, &bare_ops, "#!ipxe\nmenu\nitem --gap Head\nitem a A\nitem --default b B\n"
			     "choose --timeout 0 --default ${unset} x\necho ${x}\n"
			     "menu\nitem a A\nitem --default b B\nchoose y\necho ${y}\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "a\nb\n");
	done(f, &r);
}

static void test_exit_top_level(void **state)
{
	struct run r;
	struct fake *f = run_ops(&r, &bare_ops, NULL);

	go(f, &r, &bare_ops, "#!ipxe\necho before\nexit 1\necho never\n");
	assert_int_equal(r.rc, SN_OK);
	assert_int_equal(r.res.outcome, SCRIPT_EXIT);
	assert_int_equal(r.res.exit_status, 1);
	assert_string_equal(f->out, "before\n");
	assert_non_null(strstr(r.res.reason, "exit 1 (line 3)"));
	done(f, &r);
}

static void test_exit_in_chained_script(void **state)
{
	struct run r;
	struct fake *f = run_ops(&r, &bare_ops, NULL);

	/* exit 0: chain succeeds, the caller goes on (netboot.xyz's menus) */
	f->script_urls[0] = "http://boot.example/v1/sub.ipxe";
	f->script_bodies[0] = "#!ipxe\necho in-sub\nexit\necho never\n";
	f->script_urls[1] = "http://boot.example/v1/fail.ipxe";
	f->script_bodies[1] = "#!ipxe\nexit 3\n";
	go(f, &r, &bare_ops, "#!ipxe\nchain sub.ipxe && echo chain-ok\n"
			     "chain fail.ipxe || echo chain-failed\n"
			     "echo back\nsanboot\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "in-sub\nchain-ok\nchain-failed\nback\n");
	assert_int_equal(r.res.outcome, SCRIPT_LOCAL_BOOT);
	assert_non_null(strstr(f->log, "E0846"));
	assert_non_null(strstr(f->log, "fail.ipxe: exit 3"));
	script_settings_free(r.s);

	/* uncaught: the chain line fails the run with E0846 */
	r.s = script_settings_new();
	memset(f->out, 0, sizeof(f->out));
	go(f, &r, &bare_ops, "#!ipxe\nchain fail.ipxe\necho never\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_CHAIN_EXIT);
	assert_int_equal(r.res.outcome, SCRIPT_FAILED);
	assert_string_equal(f->out, "");
	script_settings_free(r.s);

	/* chain --replace: the replaced script is gone, its exit ends the run */
	r.s = script_settings_new();
	go(f, &r, &bare_ops, "#!ipxe\nchain --replace fail.ipxe\necho never\n");
	assert_int_equal(r.rc, SN_OK);
	assert_int_equal(r.res.outcome, SCRIPT_EXIT);
	assert_int_equal(r.res.exit_status, 3);
	assert_string_equal(f->out, "");

	/* nested two deep: each exit returns one level */
	script_settings_free(r.s);
	r.s = script_settings_new();
	f->script_urls[2] = "http://boot.example/v1/mid.ipxe";
	f->script_bodies[2] = "#!ipxe\nchain sub.ipxe\necho mid-after\nexit 0\n";
	go(f, &r, &bare_ops, "#!ipxe\nchain mid.ipxe\necho top-after\n");
	assert_int_equal(r.rc, SN_OK);
	assert_int_equal(r.res.outcome, SCRIPT_ENDED);
	assert_string_equal(f->out, "in-sub\nmid-after\ntop-after\n");
	done(f, &r);
}

/* chain --sha256 pins the chained script */
static void test_chain_pinned(void **state)
{
	static const char pin[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char text[256];
	struct run r;
	struct fake *f = run_ops(&r, &bare_ops, NULL);

	f->script_urls[0] = "http://boot.example/v1/sub.ipxe";
	f->script_bodies[0] = "#!ipxe\necho in-sub\n";
	snprintf(text, sizeof(text), "#!ipxe\nchain --sha256 %s sub.ipxe\n", pin);
	go(f, &r, &bare_ops, text);
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "in-sub\n");
	assert_string_equal(f->script_sha, pin);
	script_settings_free(r.s);
	r.s = script_settings_new();
	go(f, &r, &bare_ops, "#!ipxe\nchain --sha256 0123 sub.ipxe\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_BAD_SHA256);
	done(f, &r);
}

/* ---- types on every setting */

static void test_typed_settings(void **state)
{
	struct script_settings *s = script_settings_new();
	struct sn_err e;
	char out[512];

	settings_fill(s);
#define EXPANDS(in, want) do { \
		assert_int_equal(script_expand(in, s, out, sizeof(out), &e), SN_OK); \
		assert_string_equal(out, want); } while (0)
	EXPANDS("${netmask}", "255.255.255.0");
	EXPANDS("${netmask:hex}", "ff:ff:ff:00");
	EXPANDS("${netmask:hexhyp}", "ff-ff-ff-00");
	EXPANDS("${netmask:hexraw}", "ffffff00");
	EXPANDS("${netmask:int32}", "-256");
	EXPANDS("${netmask:uint32}", "0xffffff00");
	EXPANDS("${ip:ipv4}", "192.168.0.1");
	EXPANDS("${net0/ip:hex}", "c0:a8:00:01");
	EXPANDS("${net0.dhcp/ip:int32}", "-1062731775");
	EXPANDS("${gateway:base64}", "wKgA/g==");
	EXPANDS("${mtu:int32}", "1500");
	EXPANDS("${mtu:hex}", "05:dc");
	EXPANDS("${mtu:uint16}", "0x5dc");
	EXPANDS("${uuid:uuid}", "4c4c4544-0042-3510-8052-b4c04f4b3732");
	EXPANDS("${uuid:guid}", "44454c4c-4200-1035-8052-b4c04f4b3732");
	EXPANDS("${net0/busid:hexraw}", "018086100e");
	EXPANDS("${net0/chip:string}", "e1000");
	EXPANDS("${net0/chip:hex}", "65:31:30:30:30");
	EXPANDS("${hostname:hexhyp}", "6e-6f-64-65-37");
	EXPANDS("${serial:string}", "SN-0042");
	EXPANDS("${serial:uristring}", "SN-0042");
	/* what cannot be shown in the type is empty, as in iPXE */
	EXPANDS("x${serial:ipv4}y", "xy");
	EXPANDS("x${mac:uuid}y", "xy");
	EXPANDS("x${serial:ipv6}y", "xy");
	/* a name snboot does not fill: text, or bytes when written as hex groups */
	assert_int_equal(script_set(s, "mine", "0a:0b"), SN_OK);
	EXPANDS("${mine:hexraw}", "0a0b");
	EXPANDS("${mine:string}", "0a:0b");
	EXPANDS("${mine:int16}", "2571");
#undef EXPANDS
	script_settings_free(s);
}

/* ---- initrd arguments: a newc cpio entry, as iPXE builds it */

static void test_cpio_headers(void **state)
{
	char out[2048];
	size_t len;
	struct sn_err e;

	assert_int_equal(script_cpio_headers("/etc/site.conf mode=600", 5, out, sizeof(out),
					     &len, &e), SN_OK);
	/* 110 bytes of header, the name, its NUL, padded to 4 */
	assert_int_equal(len, 128);
	assert_memory_equal(out, "070701" "00000000" "00008180" "00000000" "00000000"
				 "00000001" "00000000" "00000005" "00000000" "00000000"
				 "00000000" "00000000" "0000000f" "00000000", 110);
	assert_memory_equal(out + 110, "/etc/site.conf\0\0\0\0", 18);

	/* default mode 0644; mkdir=1 adds the parent, mode 0755 */
	assert_int_equal(script_cpio_headers("/etc/ssh/key mkdir=1", 9, out, sizeof(out),
					     &len, &e), SN_OK);
	assert_memory_equal(out + 14, "000041ed", 8);        /* dir 0755 */
	assert_memory_equal(out + 54, "00000000", 8);        /* no bytes */
	assert_memory_equal(out + 110, "/etc/ssh\0", 9);
	assert_memory_equal(out + 120 + 14, "000081a4", 8);  /* file 0644 */
	assert_memory_equal(out + 120 + 54, "00000009", 8);
	assert_memory_equal(out + 120 + 110, "/etc/ssh/key\0", 13);
	assert_int_equal(len, 120 + 124);

	/* mkdir=-1: every parent */
	assert_int_equal(script_cpio_headers("a/b/c mkdir=-1", 0, out, sizeof(out), &len, &e),
			 SN_OK);
	assert_memory_equal(out + 110, "a\0", 2);
	assert_memory_equal(out + 112 + 110, "a/b\0", 4);
	assert_memory_equal(out + 228 + 110, "a/b/c\0", 6);

	assert_int_equal(script_cpio_headers("/x mode=9", 0, out, sizeof(out), &len, &e),
			 SN_E_SCRIPT_CPIO_MODE);
	assert_int_equal(script_cpio_headers("/x mode=", 0, out, sizeof(out), &len, &e),
			 SN_E_SCRIPT_CPIO_MODE);
	assert_int_equal(script_cpio_headers("/x mkdir=-2", 0, out, sizeof(out), &len, &e),
			 SN_E_SCRIPT_CPIO_MODE);
	assert_int_equal(script_cpio_headers("///", 0, out, sizeof(out), &len, &e),
			 SN_E_SCRIPT_CPIO_NAME);
	assert_int_equal(script_cpio_headers("/x", 0, out, 100, &len, &e),
			 SN_E_SCRIPT_CPIO_NAME);
}

static void test_initrd_wrapped_at_boot(void **state)
{
	struct run r;
	struct fake *f = run_ops(&r, &bare_ops, NULL);

	go(f, &r, &bare_ops, "#!ipxe\nkernel http://x/vmlinuz console=ttyS0\n"
			     "initrd http://x/initrd.img\n"
			     "initrd http://x/site.conf /etc/site.conf mode=600\nboot\n");
	assert_int_equal(r.rc, SN_OK);
	assert_int_equal(r.res.outcome, SCRIPT_BOOTED);
	assert_int_equal(f->n_initrds, 2);
	assert_int_equal(f->initrd_len[0], strlen("initrd.img"));
	assert_memory_equal(f->initrd[0], "initrd.img", 10);
	/* header (128) + "site.conf" (9) + 3 bytes of padding */
	assert_int_equal(f->initrd_len[1], 128 + 12);
	assert_memory_equal(f->initrd[1], "070701", 6);
	assert_memory_equal(f->initrd[1] + 14, "00008180", 8);
	assert_memory_equal(f->initrd[1] + 54, "00000009", 8);
	assert_memory_equal(f->initrd[1] + 110, "/etc/site.conf", 15);
	assert_memory_equal(f->initrd[1] + 128, "site.conf\0\0\0", 12);
	assert_string_equal(f->cmdline, "console=ttyS0");
	done(f, &r);
}

/* ---- small commands */

static void test_digests(void **state)
{
	struct run r;
	struct fake *f = run_ops(&r, &hook_ops, NULL);

	go(f, &r, &hook_ops, "#!ipxe\nimgfetch http://x/boot.efi\nsha256sum boot.efi\n"
			     "md5sum --set m http://x/other.img\necho ${m}\nsha1sum boot.efi\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "sha256-of-boot.efi  boot.efi\nmd5-of-other.img  other.img\n"
			    "md5-of-other.img\nsha1-of-boot.efi  boot.efi\n");
	assert_string_equal(f->fetched[1], "http://x/other.img");
	done(f, &r);

	f = run_ops(&r, &bare_ops, NULL);
	go(f, &r, &bare_ops, "#!ipxe\nimgfetch http://x/a\nsha256sum a || echo no-hook\n"
			     "md5sum missing\n");
	assert_string_equal(f->out, "no-hook\n");
	assert_non_null(strstr(f->log, "E0850"));
	assert_int_equal(r.rc, SN_E_IO);   /* the fetch hook's own code */
	assert_string_equal(f->fetched[1], "http://boot.example/v1/missing");
	done(f, &r);
}

static void test_read_and_imgextract(void **state)
{
	struct run r;
	struct fake *f = run_ops(&r, &hook_ops, NULL);

	go(f, &r, &hook_ops, "#!ipxe\nset answer old\necho -n Name:\nread answer\n"
			     "isset ${answer} || echo empty\n"
			     "imgextract http://x/rootfs.gz\nimgstat\n"
			     "imgextract --name other --keep http://x/b.gz\nimgstat\n"
			     "imgextract http://x/plain || echo not-gzip\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "Name:empty\nrootfs : [initrd]\n"
			    "rootfs : [initrd]\nb.gz : [initrd]\nother : [initrd]\nnot-gzip\n");
	assert_null(script_get(r.s, "answer"));
	done(f, &r);

	f = run_ops(&r, &bare_ops, NULL);
	go(f, &r, &bare_ops, "#!ipxe\nimgextract http://x/a.gz\n");
	assert_int_equal(r.rc, SN_E_SCRIPT_EXTRACT);
	done(f, &r);
}

static void test_network_commands(void **state)
{
	struct run r;
	struct fake *f = run_ops(&r, &hook_ops, NULL);

	go(f, &r, &hook_ops, "#!ipxe\nifstat net0\nntp pool.ntp.org\n"
			     "vcreate --tag 42 --priority 3 net0\ndhcp --timeout 2500 net0-42\n"
			     "echo ${net0-42/ip}\nntp unreachable || echo ntp-failed\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "net0: 52:54:00:12:34:56 using e1000 on 01:80:86:10:0e "
			    "(Ethernet) [open]\n  [Link:up]\n192.168.42.7\nntp-failed\n");
	assert_string_equal(f->ntp_server, "unreachable");
	assert_string_equal(f->vlan, "net0-42/3");
	assert_string_equal(f->dhcp_if, "net0-42/2500");
	done(f, &r);

	/* all interfaces; unknown ones; no hooks */
	f = run_ops(&r, &bare_ops, NULL);
	go(f, &r, &bare_ops, "#!ipxe\nifstat\nifstat net7 || echo no-net7\n"
			     "ntp pool.ntp.org || echo no-ntp\n"
			     "vcreate --tag 42 net0 || echo no-vlan\n"
			     "vcreate --tag 5000 net0 || echo bad-tag\n"
			     "vcreate net0 || echo no-tag\n"
			     "vcreate --tag 42 net9 || echo no-trunk\n"
			     "dhcp net0 && dhcp net0-42 || echo no-dhcp\n"
			     "dhcp net9-42 || echo no-such-trunk\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out,
			    "net0: 52:54:00:12:34:56 using e1000 on 01:80:86:10:0e (Ethernet) [open]\n"
			    "  [Link:up]\n"
			    "net1: 52:54:00:ab:cd:ef using virtio_net on ? (Ethernet) [closed]\n"
			    "  [Link:down]\n"
			    "no-net7\nno-ntp\nno-vlan\nbad-tag\nno-tag\nno-trunk\nno-dhcp\n"
			    "no-such-trunk\n");
	assert_non_null(strstr(f->log, "E0854"));
	assert_non_null(strstr(f->log, "E0851"));
	/* a VLAN the script made gets no DHCP without the hook: said clearly */
	assert_non_null(strstr(f->log, "E0859"));
	assert_non_null(strstr(f->log, "dhcp net0-42: snboot runs no DHCP"));
	assert_non_null(strstr(f->log, "E0854 no such network interface (line 10: dhcp: "));
	done(f, &r);
}

static void test_refused_commands(void **state)
{
	struct run r;
	struct fake *f = run_ops(&r, &bare_ops, NULL);

	go(f, &r, &bare_ops, "#!ipxe\nimgverify http://x/k http://x/k.sig || echo unverified\n"
			     "imgtrust --permanent || echo untrusted\n"
			     "shim http://x/shimx64.efi || echo no-shim\n"
			     "sanboot iscsi:10.0.0.1::::iqn.2010-04.org.ipxe:disk || echo no-san\n"
			     "sanboot http://x/disk.img || echo no-san-http\n");
	assert_int_equal(r.rc, SN_OK);
	assert_string_equal(f->out, "unverified\nuntrusted\nno-shim\nno-san\nno-san-http\n");
	assert_non_null(strstr(f->log, "E0852"));
	assert_non_null(strstr(f->log, "E0841"));
	/* shim fetched nothing */
	assert_int_equal(f->n_fetched, 0);
	done(f, &r);
}

/* ---- settings from the lease */

static void test_settings_from_lease(void **state)
{
	struct script_settings *s = script_settings_new();
	struct lease l;
	struct nic nics[2];
	char out[256];
	struct sn_err e;

	memset(&l, 0, sizeof(l));
	memset(nics, 0, sizeof(nics));
	l.family = AF_INET;
	snprintf(l.ifname, sizeof(l.ifname), "eth1");
	inet_pton(AF_INET, "10.0.2.15", &l.addr4);
	inet_pton(AF_INET, "255.255.255.0", &l.mask4);
	inet_pton(AF_INET, "10.0.2.2", &l.router4);
	inet_pton(AF_INET, "10.0.2.2", &l.server4);
	inet_pton(AF_INET, "10.0.2.3", &l.dns4[0]);
	inet_pton(AF_INET, "10.0.2.4", &l.dns4[1]);
	l.n_dns4 = 2;
	inet_pton(AF_INET, "10.0.2.5", &l.ntp4);
	l.mtu = 1400;
	snprintf(l.domain, sizeof(l.domain), "lab.example");
	snprintf(l.hostname, sizeof(l.hostname), "node7");
	snprintf(l.boot_url, sizeof(l.boot_url), "https://10.0.2.2/v1/boot");
	snprintf(nics[0].name, sizeof(nics[0].name), "eth0");
	snprintf(nics[0].mac_str, sizeof(nics[0].mac_str), "52:54:00:00:00:01");
	snprintf(nics[0].driver, sizeof(nics[0].driver), "virtio_net");
	snprintf(nics[1].name, sizeof(nics[1].name), "eth1");
	snprintf(nics[1].mac_str, sizeof(nics[1].mac_str), "52:54:00:00:00:02");
	snprintf(nics[1].driver, sizeof(nics[1].driver), "e1000");
	snprintf(nics[1].pci_slot, sizeof(nics[1].pci_slot), "0000:00:03.0");
	nics[1].carrier = 1;

	assert_int_equal(script_settings_from_lease(s, &l, nics, 2, 1), SN_OK);
#define EXPANDS(in, want) do { \
		assert_int_equal(script_expand(in, s, out, sizeof(out), &e), SN_OK); \
		assert_string_equal(out, want); } while (0)
	EXPANDS("${ip} ${netmask} ${gateway} ${dns}", "10.0.2.15 255.255.255.0 10.0.2.2 10.0.2.3");
	EXPANDS("${next-server} ${domain} ${hostname}", "10.0.2.2 lab.example node7");
	EXPANDS("${net1/ip} ${net1/netmask} ${net1/gateway}", "10.0.2.15 255.255.255.0 10.0.2.2");
	EXPANDS("${net1/dns} ${net1/domain} ${net1/chip}", "10.0.2.3 lab.example e1000");
	EXPANDS("${net1/mac} ${mac} ${net0/mac}", "52:54:00:00:00:02 52:54:00:00:00:02 "
						   "52:54:00:00:00:01");
	EXPANDS("${net0/chip}:${net0/ip}", "virtio_net:");
	EXPANDS("${netX/ip} ${netX/gateway} ${netX/netmask} ${netX/mac} ${netX/chip}",
		"10.0.2.15 10.0.2.2 255.255.255.0 52:54:00:00:00:02 e1000");
	EXPANDS("${net1/busloc} ${net1/bustype} ${net1/busloc:uint32}", "0x18 PCI 0x18");
	EXPANDS("${netmask:hex} ${mtu} ${ntp}", "ff:ff:ff:00 1400 10.0.2.5");
	EXPANDS("${filename} ${version} ${buildarch}", "https://10.0.2.2/v1/boot "
		SNBOOT_VERSION " x86_64");
	EXPANDS("${net1.dhcp/netmask:hexhyp}", "ff-ff-ff-00");

	/* `vcreate --tag 100 net1` then `dhcp net1-100`: the VLAN's lease
	 * under net1-100/ and netX/ (the interface opened last); unscoped
	 * names keep the first interface's values and take only what it
	 * left unset (iPXE looks them up in the order interfaces appeared) */
	struct lease v;
	memset(&v, 0, sizeof(v));
	v.family = AF_INET;
	inet_pton(AF_INET, "192.168.100.57", &v.addr4);
	inet_pton(AF_INET, "255.255.255.128", &v.mask4);
	inet_pton(AF_INET, "192.168.100.1", &v.router4);
	inet_pton(AF_INET, "192.168.100.2", &v.server4);
	inet_pton(AF_INET, "192.168.100.3", &v.dns4[0]);
	v.n_dns4 = 1;
	inet_pton(AF_INET, "192.168.100.4", &v.log4);
	snprintf(v.boot_url, sizeof(v.boot_url), "vlan100.ipxe");
	assert_int_equal(script_settings_iface_lease(s, "net1-100", &v), SN_OK);
	EXPANDS("${net1-100/ip} ${net1-100/netmask} ${net1-100/gateway}",
		"192.168.100.57 255.255.255.128 192.168.100.1");
	EXPANDS("${net1-100/dns} ${net1-100/next-server} ${net1-100/filename}",
		"192.168.100.3 192.168.100.2 vlan100.ipxe");
	EXPANDS("${net1-100/ip:hex} ${net1-100.dhcp/netmask:hexhyp}", "c0:a8:64:39 ff-ff-ff-80");
	EXPANDS("${netX/ip} ${netX/gateway} ${netX/next-server}",
		"192.168.100.57 192.168.100.1 192.168.100.2");
	EXPANDS("${ip} ${gateway} ${dns} ${next-server} ${filename}",
		"10.0.2.15 10.0.2.2 10.0.2.3 10.0.2.2 https://10.0.2.2/v1/boot");
	EXPANDS("${syslog} ${net1/ip} x${net1-100/domain}", "192.168.100.4 10.0.2.15 x");
	assert_int_equal(script_settings_iface_lease(s, "", &v), SN_E_SCRIPT_NO_NIC);
	assert_int_equal(script_settings_iface_lease(s, "a/b", &v), SN_E_SCRIPT_NO_NIC);

	/* busid from sysfs: a fake tree with eth1's PCI IDs */
	char root[] = "/tmp/snboot-sysfs-XXXXXX", path[256];
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "mkdir -p %s/class/net/eth1/device && "
		 "printf '0x8086\\n' > %s/class/net/eth1/device/vendor && "
		 "printf '0x100e\\n' > %s/class/net/eth1/device/device", root, root, root);
	assert_int_equal(system(path), 0);
	assert_int_equal(script_settings_busids(s, nics, 2, root), 1);
	EXPANDS("${net1/busid}", "01:80:86:10:0e");
	EXPANDS("${net1/busid:hexhyp}", "01-80-86-10-0e");
	EXPANDS("x${net0/busid}", "x");
	snprintf(path, sizeof(path), "rm -rf %s", root);
	assert_int_equal(system(path), 0);
#undef EXPANDS
	script_settings_free(s);

	/* IPv6 lease: ip6 and the v6 DNS, no IPv4 settings */
	s = script_settings_new();
	memset(&l, 0, sizeof(l));
	l.family = AF_INET6;
	inet_pton(AF_INET6, "fd77:1::50", &l.addr6);
	inet_pton(AF_INET6, "fd77:1::53", &l.dns6[0]);
	l.n_dns6 = 1;
	assert_int_equal(script_settings_from_lease(s, &l, nics, 2, 0), SN_OK);
	assert_string_equal(script_get(s, "net0/ip6"), "fd77:1::50");
	assert_string_equal(script_get(s, "ip6"), "fd77:1::50");
	assert_string_equal(script_get(s, "dns6"), "fd77:1::53");
	assert_null(script_get(s, "ip"));
	assert_null(script_get(s, "netmask"));
	script_settings_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typed_set),
		cmocka_unit_test(test_choose_empty_default),
		cmocka_unit_test(test_exit_top_level),
		cmocka_unit_test(test_exit_in_chained_script),
		cmocka_unit_test(test_chain_pinned),
		cmocka_unit_test(test_typed_settings),
		cmocka_unit_test(test_cpio_headers),
		cmocka_unit_test(test_initrd_wrapped_at_boot),
		cmocka_unit_test(test_digests),
		cmocka_unit_test(test_read_and_imgextract),
		cmocka_unit_test(test_network_commands),
		cmocka_unit_test(test_refused_commands),
		cmocka_unit_test(test_settings_from_lease),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
