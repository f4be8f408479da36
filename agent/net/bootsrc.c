/* snboot settings from SMBIOS type 11 and QEMU fw_cfg (see bootsrc.h). */
#include "net/bootsrc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fdio.h"
#include "core/log.h"
#include "core/smbios.h"

#define PREFIX "snboot."

/* The command line parser says "kernel command line: ..."; say where the
 * setting really came from. */
struct relabel {
	struct config *c;
	config_warn_fn warn;
	void *arg;
	char source[48];
	int applied;
};

static void relabel_warn(void *arg, const struct sn_err *e)
{
	struct relabel *r = arg;
	static const char cl[] = "kernel command line: ";
	const char *ctx = strncmp(e->ctx, cl, sizeof(cl) - 1) ? e->ctx
							     : e->ctx + sizeof(cl) - 1;
	struct sn_err out = { .code = e->code };

	snprintf(out.ctx, sizeof(out.ctx), "%.47s: %.180s", r->source, ctx);
	if (r->warn)
		r->warn(r->arg, &out);
}

static void warn_at(struct relabel *r, const char *fmt, const char *s, size_t n)
{
	struct sn_err e;

	sn_fail(&e, SN_E_NET_OEM_STRING, fmt, (int)(n > 80 ? 80 : n), s);
	relabel_warn(r, &e);
}

static void oem_string(void *arg, unsigned index, const char *s, size_t n)
{
	struct relabel *r = arg;
	char word[CONFIG_RULES_MAX + 1100];
	const char *eq;

	if (n < sizeof(PREFIX) || strncmp(s, PREFIX, sizeof(PREFIX) - 1))
		return;
	snprintf(r->source, sizeof(r->source), "SMBIOS type 11 string %u", index);
	eq = memchr(s, '=', n);
	if (!eq)
		return warn_at(r, "\"%.*s\": want snboot.<name>=<value>", s, n);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '"')
			return warn_at(r, "\"%.*s\": control character or '\"'; ignored", s, n);
	if (n + 3 > sizeof(word))
		return warn_at(r, "\"%.*s...\": too long; ignored", s, n);
	/* Quoted, so a value with blanks (rules) stays one word. */
	snprintf(word, sizeof(word), "%.*s\"%.*s\"", (int)(eq + 1 - s), s,
		 (int)(s + n - eq - 1), eq + 1);
	logmsg("config", "%.*s from %s", (int)(eq - s), s, r->source);
	config_parse_cmdline(r->c, word, relabel_warn, r);
	r->applied++;
}

int bootsrc_apply_oem(struct config *c, const uint8_t *dmi, size_t len,
		      config_warn_fn warn, void *arg)
{
	struct relabel r = { c, warn, arg, "SMBIOS type 11", 0 };
	struct sn_err e;

	sn_clear(&e);
	if (smbios_oem_strings(dmi, len, oem_string, &r, &e)) {
		snprintf(r.source, sizeof(r.source), "SMBIOS type 11");
		relabel_warn(&r, &e);
	}
	return r.applied;
}

void bootsrc_apply_fwcfg(struct config *c, const char *text, size_t len,
			 config_warn_fn warn, void *arg)
{
	struct relabel r = { c, warn, arg, "fw_cfg opt/org.snboot/config", 0 };
	char *words = malloc(len + 1);
	size_t n = 0;

	if (!words) {
		struct sn_err e;
		sn_fail(&e, SN_E_NOMEM, "%zu bytes of fw_cfg settings", len);
		relabel_warn(&r, &e);
		return;
	}
	for (size_t i = 0; i < len;) {
		size_t end = i;
		while (end < len && text[end] != '\n')
			end++;
		if (text[i] != '#')
			for (size_t k = i; k < end; k++)
				words[n++] = text[k] == '\r' || text[k] == '\t' ||
						     text[k] == '\0' ? ' ' : text[k];
		if (end < len)
			words[n++] = ' ';
		i = end + 1;
	}
	words[n] = '\0';
	logmsg("config", "settings from %s (%zu bytes)", r.source, len);
	config_parse_cmdline(c, words, relabel_warn, &r);
	free(words);
}

void bootsrc_load(struct config *c, config_warn_fn warn, void *arg)
{
	size_t len = 0;
	char *text;

	text = read_file(BOOTSRC_DMI, 1u << 20, &len);
	if (text) {
		bootsrc_apply_oem(c, (const uint8_t *)text, len, warn, arg);
		free(text);
	}
	text = read_file(BOOTSRC_FWCFG, 65536, &len);
	if (text) {
		bootsrc_apply_fwcfg(c, text, len, warn, arg);
		free(text);
	}
}
