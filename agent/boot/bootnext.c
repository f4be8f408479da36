/* BootNext to the local disk's own UEFI loader (see bootnext.h). */
#include "boot/bootnext.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/efivar.h"
#include "core/fdio.h"
#include "core/log.h"

#define ESP_MNT "/run/snboot-esp"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8 & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* UCS-2 (n code units, stops at NUL) to ASCII-ish UTF-8: '?' above 0x7e. */
static void ucs2_text(const uint8_t *p, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < outlen; i++) {
		unsigned c = (unsigned)(p[2 * i] | p[2 * i + 1] << 8);
		if (!c)
			break;
		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[o] = '\0';
}

int efi_load_option_parse(const uint8_t *buf, size_t len, struct efi_load_option *o,
			  struct sn_err *e)
{
	size_t pathlen, off, d;

	memset(o, 0, sizeof(*o));
	if (len < 6)
		return sn_fail(e, SN_E_BOOTNEXT_OPTION, "load option of %zu bytes "
			       "(6 at least)", len);
	o->attrs = le32(buf);
	pathlen = (size_t)(buf[4] | buf[5] << 8);
	/* the description: UCS-2 up to a NUL code unit */
	for (d = 6;; d += 2) {
		if (d + 1 >= len)
			return sn_fail(e, SN_E_BOOTNEXT_OPTION, "description not "
				       "NUL-terminated within %zu bytes", len);
		if (buf[d] == 0 && buf[d + 1] == 0)
			break;
	}
	ucs2_text(buf + 6, (d - 6) / 2, o->desc, sizeof(o->desc));
	off = d + 2;
	if (pathlen > len - off)
		return sn_fail(e, SN_E_BOOTNEXT_OPTION, "\"%s\": device path of %zu bytes "
			       "at offset %zu runs past the %zu-byte option", o->desc,
			       pathlen, off, len);
	/* the first device path instance; nodes are type, subtype, length16 */
	for (size_t p = off; p < off + pathlen;) {
		const uint8_t *n = buf + p;
		size_t nlen;

		if (off + pathlen - p < 4)
			return sn_fail(e, SN_E_BOOTNEXT_OPTION, "\"%s\": truncated node at "
				       "offset %zu", o->desc, p);
		nlen = (size_t)(n[2] | n[3] << 8);
		if (nlen < 4 || nlen > off + pathlen - p)
			return sn_fail(e, SN_E_BOOTNEXT_OPTION, "\"%s\": node %02x/%02x at "
				       "offset %zu has length %zu (4..%zu)", o->desc, n[0],
				       n[1], p, nlen, off + pathlen - p);
		if (n[0] == 0x7f)   /* end of instance or of the whole path */
			break;
		if (n[0] == 4 && n[1] == 1 && nlen >= 42 && !o->has_hd) {
			o->has_hd = 1;
			o->hd_part = le32(n + 4);
			o->hd_start = le64(n + 8);
			o->hd_size = le64(n + 16);
			memcpy(o->hd_sig, n + 24, 16);
			o->hd_fmt = n[40];
			o->hd_sigtype = n[41];
		} else if (n[0] == 4 && n[1] == 4 && !o->file[0]) {
			ucs2_text(n + 4, (nlen - 4) / 2, o->file, sizeof(o->file));
		}
		p += nlen;
	}
	return SN_OK;
}

size_t efi_load_option_build(uint8_t *buf, size_t cap, const char *desc,
			     const struct gpt_part *esp, const char *path)
{
	size_t dlen = strlen(desc), plen = strlen(path);
	size_t fnode = 4 + 2 * (plen + 1), pathlen = 42 + fnode + 4;
	size_t total = 6 + 2 * (dlen + 1) + pathlen, o = 0;

	if (total > cap || fnode > 0xffff || pathlen > 0xffff)
		return 0;
	put32(buf, 1);                    /* LOAD_OPTION_ACTIVE */
	put16(buf + 4, (unsigned)pathlen);
	o = 6;
	for (size_t i = 0; i <= dlen; i++, o += 2)
		put16(buf + o, (unsigned char)desc[i]);
	/* HD: media device path, hard drive; GPT partition by unique GUID */
	buf[o] = 4;
	buf[o + 1] = 1;
	put16(buf + o + 2, 42);
	put32(buf + o + 4, esp->number);
	put64(buf + o + 8, esp->first_lba);
	put64(buf + o + 16, esp->last_lba - esp->first_lba + 1);
	memcpy(buf + o + 24, esp->guid, 16);
	buf[o + 40] = 2;                  /* GPT */
	buf[o + 41] = 2;                  /* signature is a GUID */
	o += 42;
	buf[o] = 4;                       /* media, file path */
	buf[o + 1] = 4;
	put16(buf + o + 2, (unsigned)fnode);
	o += 4;
	for (size_t i = 0; i <= plen; i++, o += 2)
		put16(buf + o, (unsigned char)path[i]);
	buf[o] = 0x7f;                    /* end of the entire path */
	buf[o + 1] = 0xff;
	put16(buf + o + 2, 4);
	return o + 4;
}

static int skip_disk(const char *n)
{
	static const char *const prefixes[] = { "loop", "ram", "zram", "sr", "fd", "dm-",
						"md", "nbd" };

	if (n[0] == '.')
		return 1;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(n, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

/* The partition device of disk with number partn, from sysfs. */
static int part_dev(const char *disk, uint32_t partn, char *out, size_t outlen)
{
	char path[320];
	struct dirent *de;
	DIR *d;
	int found = 0;

	snprintf(path, sizeof(path), "/sys/block/%s", disk);
	d = opendir(path);
	if (!d)
		return -1;
	while (!found && (de = readdir(d))) {
		char pf[600], *t;
		if (strncmp(de->d_name, disk, strlen(disk)) != 0)
			continue;
		snprintf(pf, sizeof(pf), "/sys/block/%s/%s/partition", disk, de->d_name);
		t = read_file(pf, 32, NULL);
		if (t && (uint32_t)strtoul(t, NULL, 10) == partn) {
			snprintf(out, outlen, "/dev/%.40s", de->d_name);
			found = 1;
		}
		free(t);
	}
	closedir(d);
	return found ? 0 : -1;
}

/* Reads the start of /dev/<disk> and parses its GPT. */
static int disk_gpt(const char *disk, struct gpt *g, struct sn_err *e)
{
	char path[320], *t;
	uint32_t sector = 512;
	uint8_t *buf;
	size_t want;
	ssize_t got;
	int fd, rc;

	snprintf(path, sizeof(path), "/sys/block/%s/queue/logical_block_size", disk);
	t = read_file(path, 32, NULL);
	if (t)
		sector = (uint32_t)strtoul(t, NULL, 10);
	free(t);
	want = GPT_READ_BYTES(sector);
	buf = malloc(want);
	if (!buf)
		return sn_fail(e, SN_E_NOMEM, "%zu bytes for the GPT of %s", want, disk);
	snprintf(path, sizeof(path), "/dev/%s", disk);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return sn_fail(e, SN_E_GPT_NONE, "%s: %s", path, strerror(errno));
	}
	got = pread(fd, buf, want, 0);
	close(fd);
	if (got < 0) {
		rc = sn_fail(e, SN_E_GPT_NONE, "%s: reading %zu bytes: %s", path, want,
			     strerror(errno));
	} else {
		rc = gpt_parse(buf, (size_t)got, sector, g, e);
	}
	free(buf);
	return rc;
}

/* Mounts the ESP read-only and checks that the loader is there (vfat
 * looks names up without regard to case, as the firmware does). */
static int esp_has_loader(const char *dev, struct sn_err *e)
{
	struct stat st;
	int rc;

	mkdir(ESP_MNT, 0700);
	if (mount(dev, ESP_MNT, "vfat", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) != 0)
		return sn_fail(e, SN_E_BOOTNEXT_NODISK, "mounting the ESP %s (vfat): %s", dev,
			       strerror(errno));
	if (stat(ESP_MNT "/EFI/BOOT/BOOTX64.EFI", &st) == 0 && S_ISREG(st.st_mode))
		rc = SN_OK;
	else
		rc = sn_fail(e, SN_E_BOOTNEXT_NODISK, "ESP %s has no %s", dev, BOOTNEXT_LOADER);
	umount(ESP_MNT);
	return rc;
}

int bootnext_find_disk(struct bootnext_disk *out, struct sn_err *e)
{
	char seen[512] = "", why[240] = "no disk in /sys/block";
	struct dirent *de;
	struct gpt *g = malloc(sizeof(*g));
	DIR *d;
	int rc = SN_E_BOOTNEXT_NODISK;

	if (!g)
		return sn_fail(e, SN_E_NOMEM, "GPT buffer");
	d = opendir("/sys/block");
	if (!d) {
		free(g);
		return sn_fail(e, SN_E_BOOTNEXT_NODISK, "/sys/block: %s", strerror(errno));
	}
	while (rc != SN_OK && (de = readdir(d))) {
		const struct gpt_part *esp;
		struct sn_err de_err;

		if (skip_disk(de->d_name) || strlen(de->d_name) >= sizeof(out->disk))
			continue;
		sn_clear(&de_err);
		if (disk_gpt(de->d_name, g, &de_err) != SN_OK) {
			snprintf(why, sizeof(why), "%.40s: %.190s", de->d_name, de_err.ctx);
		} else if (!(esp = gpt_find_esp(g))) {
			snprintf(why, sizeof(why), "%.40s: GPT without an EFI System Partition",
				 de->d_name);
		} else if (part_dev(de->d_name, esp->number, out->part_dev,
				    sizeof(out->part_dev)) != 0) {
			snprintf(why, sizeof(why), "%.40s: no device for partition %u",
				 de->d_name, esp->number);
		} else if (esp_has_loader(out->part_dev, &de_err) != SN_OK) {
			snprintf(why, sizeof(why), "%.230s", de_err.ctx);
		} else {
			snprintf(out->disk, sizeof(out->disk), "%.39s", de->d_name);
			out->esp = *esp;
			rc = SN_OK;
			continue;
		}
		logmsg("bootnext", "%s", why);
		size_t l = strlen(seen);
		snprintf(seen + l, sizeof(seen) - l, "%s%s", l ? ", " : "", de->d_name);
	}
	closedir(d);
	free(g);
	if (rc != SN_OK)
		return sn_fail(e, SN_E_BOOTNEXT_NODISK, "no disk with an ESP holding %s "
			       "(looked at: %s; last: %s)", BOOTNEXT_LOADER,
			       seen[0] ? seen : "none", why);
	return SN_OK;
}

int bootnext_auto_ok(char *why, size_t why_len)
{
	struct bootnext_disk d;
	struct sn_err e;

	if (!efivar_available()) {
		snprintf(why, why_len, "not started from UEFI (no efivarfs at %s)",
			 EFIVAR_DIR);
		return 0;
	}
	sn_clear(&e);
	if (bootnext_find_disk(&d, &e) != SN_OK) {
		snprintf(why, why_len, "%s", e.ctx);
		return 0;
	}
	snprintf(why, why_len, "UEFI, and %s has an ESP (%s) with %s", d.disk, d.part_dev,
		 BOOTNEXT_LOADER);
	return 1;
}

/* Boot#### names in the order to try: BootOrder's first, then the rest. */
static int option_numbers(unsigned *nums, int max)
{
	uint8_t order[512];
	size_t len = sizeof(order);
	char names[256][64];
	int n = 0, k;

	if (efivar_get(EFI_GLOBAL_GUID, "BootOrder", NULL, order, &len, NULL) == SN_OK)
		for (size_t i = 0; i + 1 < len && n < max; i += 2)
			nums[n++] = (unsigned)(order[i] | order[i + 1] << 8);
	k = efivar_list(EFI_GLOBAL_GUID, "Boot", names, 256, NULL);
	for (int i = 0; i < k && n < max; i++) {
		unsigned v;
		char tail;
		int dup = 0;
		if (strlen(names[i]) != 8 || sscanf(names[i] + 4, "%4x%c", &v, &tail) != 1)
			continue;
		for (int j = 0; j < n; j++)
			dup |= nums[j] == v;
		if (!dup)
			nums[n++] = v;
	}
	return n;
}

int bootnext_to_disk(struct sn_err *e)
{
	struct bootnext_disk d;
	struct efi_load_option o;
	uint8_t opt[1024];
	unsigned nums[512];
	char name[16], guid[37];
	size_t len;
	int n, rc, found = -1;

	if (!efivar_available())
		return sn_fail(e, SN_E_BOOTNEXT_NOEFI, "no efivarfs at %s: the agent was not "
			       "started from UEFI, or the kernel lacks CONFIG_EFIVAR_FS",
			       EFIVAR_DIR);
	if ((rc = bootnext_find_disk(&d, e)) != SN_OK)
		return rc;
	gpt_guid_text(d.esp.guid, guid);
	n = option_numbers(nums, 512);
	for (int i = 0; i < n && found < 0; i++) {
		struct sn_err oe;
		snprintf(name, sizeof(name), "Boot%04X", nums[i]);
		len = sizeof(opt);
		if (efivar_get(EFI_GLOBAL_GUID, name, NULL, opt, &len, NULL) != SN_OK)
			continue;
		if (efi_load_option_parse(opt, len, &o, &oe) != SN_OK) {
			char msg[300];
			logmsg("bootnext", "%s skipped: %s", name, sn_format(&oe, msg, sizeof(msg)));
			continue;
		}
		if (o.has_hd && o.hd_sigtype == 2 && memcmp(o.hd_sig, d.esp.guid, 16) == 0)
			found = (int)nums[i];
	}
	if (found >= 0) {
		logmsg("bootnext", "%s (\"%s\", %s) boots the ESP %s of %s", name, o.desc,
		       o.file[0] ? o.file : "default loader", d.part_dev, d.disk);
	} else {
		/* the lowest free Boot#### */
		for (unsigned v = 0; v <= 0xffff && found < 0; v++) {
			int used = 0;
			for (int i = 0; i < n; i++)
				used |= nums[i] == v;
			if (!used)
				found = (int)v;
		}
		char desc[80];
		snprintf(desc, sizeof(desc), "snboot: local disk %s", d.disk);
		len = efi_load_option_build(opt, sizeof(opt), desc, &d.esp, BOOTNEXT_LOADER);
		snprintf(name, sizeof(name), "Boot%04X", (unsigned)found);
		if ((rc = efivar_set(EFI_GLOBAL_GUID, name, EFI_VARIABLE_NV_BS_RT, opt, len,
				     e)) != SN_OK)
			return rc;
		logmsg("bootnext", "created %s (\"%s\"): HD(%u,GPT,%s)%s", name, desc,
		       d.esp.number, guid, BOOTNEXT_LOADER);
	}
	uint8_t next[2] = { (uint8_t)(found & 0xff), (uint8_t)(found >> 8) };
	if ((rc = efivar_set(EFI_GLOBAL_GUID, "BootNext", EFI_VARIABLE_NV_BS_RT, next, 2,
			     e)) != SN_OK)
		return rc;
	logmsg("bootnext", "BootNext=%04X set; rebooting into the firmware", (unsigned)found);
	sync();
	reboot(RB_AUTOBOOT);
	return sn_fail(e, SN_E_BOOTNEXT_REBOOT, "reboot(RB_AUTOBOOT): %s", strerror(errno));
}

int bootnext_maybe(const char *mode, struct sn_err *e)
{
	char why[300], msg[400];
	struct sn_err be;

	if (strcmp(mode, "bootnext") == 0) {
		logmsg("local", "snboot.local=bootnext: handing the disk to the firmware");
		return bootnext_to_disk(e);
	}
	if (strcmp(mode, "auto") != 0)
		return SN_OK;
	if (!bootnext_auto_ok(why, sizeof(why))) {
		logmsg("local", "snboot.local=auto: kexec (%s)", why);
		return SN_OK;
	}
	logmsg("local", "snboot.local=auto: bootnext (%s)", why);
	sn_clear(&be);
	bootnext_to_disk(&be);
	logmsg("local", "%s; going on with kexec", sn_format(&be, msg, sizeof(msg)));
	return SN_OK;
}
