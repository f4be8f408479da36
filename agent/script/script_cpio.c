/* `initrd URL /path/in/initramfs mode=NNN`: iPXE hands such an initrd to
 * Linux wrapped in newc cpio headers, so the file appears at that path in
 * the initramfs (src/core/cpio.c, src/image/initrd.c). The name is the
 * first word of the image's arguments; `mode=` is octal (default 0644);
 * `mkdir=N` adds headers for N parent directories (-1: all of them), mode
 * 0755. Pure: the caller writes headers, file, padding. */
#include "script/script_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CPIO_MODE_FILE 0100000u
#define CPIO_MODE_DIR  0040000u

/* The value after " key" in args (as iPXE's image_argument), or NULL. */
static const char *argument(const char *args, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = args; (p = strstr(p, key)); p += kl)
		if (p == args || p[-1] == ' ')
			return p + kl;
	return NULL;
}

/* Path components of the name: "/etc/a/b" is 3. */
static unsigned components(const char *name, size_t len)
{
	unsigned n = 0;
	char prev = '/';

	for (size_t i = 0; i < len; prev = name[i++])
		if (prev == '/' && name[i] != '/')
			n++;
	return n;
}

/* Length of the name up to its depth-th component. */
static size_t name_len_at(const char *name, size_t len, unsigned depth)
{
	char prev = '/';
	size_t i;

	for (i = 0; i < len; prev = name[i++])
		if (name[i] == '/' && prev != '/' && --depth == 0)
			break;
	return i;
}

static size_t put_header(char *out, const char *name, size_t name_len,
			 unsigned mode, size_t filesize)
{
	size_t n = (size_t)sprintf(out, "070701%08x%08x%08x%08x%08x%08x%08zx"
				   "%08x%08x%08x%08x%08zx%08x",
				   0u, mode, 0u, 0u, 1u, 0u, filesize, 0u, 0u, 0u, 0u,
				   name_len + 1, 0u);
	memcpy(out + n, name, name_len);
	n += name_len;
	do   /* the NUL, then up to a multiple of 4 */
		out[n++] = '\0';
	while (n % 4);
	return n;
}

int script_cpio_headers(const char *args, size_t filesize, char *out, size_t size,
			size_t *len, struct sn_err *e)
{
	size_t name_len = strcspn(args, " ");
	unsigned mode = 0644, count = 1, max;
	const char *v;
	char *end;

	*len = 0;
	if (name_len == 0)
		return sn_fail(e, SN_E_SCRIPT_CPIO_NAME, "\"%.60s\"", args);
	if ((v = argument(args, "mode="))) {
		unsigned long m = strtoul(v, &end, 8);
		if (end == v || (*end && *end != ' ') || m > 07777)
			return sn_fail(e, SN_E_SCRIPT_CPIO_MODE, "\"mode=%.20s\" (octal, 0..7777)", v);
		mode = (unsigned)m;
	}
	if ((v = argument(args, "mkdir="))) {
		long m = strtol(v, &end, 10);
		if (end == v || (*end && *end != ' ') || m < -1 || m > 64)
			return sn_fail(e, SN_E_SCRIPT_CPIO_MODE, "\"mkdir=%.20s\" (-1..64)", v);
		count = m < 0 ? ~0u : count + (unsigned)m;
	}
	max = components(args, name_len);
	if (max == 0)
		return sn_fail(e, SN_E_SCRIPT_CPIO_NAME, "\"%.60s\": no file name", args);
	if (count > max)
		count = max;
	for (unsigned i = 0; i < count; i++) {
		unsigned depth = max - count + i + 1;
		size_t nl = name_len_at(args, name_len, depth);
		int dir = depth < max;
		if (*len + 110 + nl + 4 > size)
			return sn_fail(e, SN_E_SCRIPT_CPIO_NAME, "\"%.60s\" is too long", args);
		*len += put_header(out + *len, args, nl,
				   dir ? (CPIO_MODE_DIR | 0755) : (CPIO_MODE_FILE | mode),
				   dir ? 0 : filesize);
	}
	return SN_OK;
}
