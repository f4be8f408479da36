/* SMBIOS structure table parser (DMTF DSP0134). The input is the raw table
 * as Linux exports it (/sys/firmware/dmi/tables/DMI): structures back to
 * back, no entry point. Every read is bounds-checked against the structure's
 * formatted area, which is itself checked against the table. */
#include "core/smbios.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SMBIOS_HEADER_LEN 4
#define SMBIOS_TYPE_END 127

/* One structure whose formatted area and string set both lie inside the
 * table: formatted area p[0..len), strings at p[len..len+strings_len). */
struct smbios_struct {
	const uint8_t *p;
	size_t len;
	size_t strings_len;
	size_t offset;          /* in the table, for error context */
	uint8_t type;
};

struct parse_ctx {
	struct smbios_facts *out;
	struct sn_err *e;
	int err;                /* first error recorded, SN_OK if none */
	uint64_t memory_kb;     /* sums in KiB: type 17 sizes may be in KiB */
	int seen_bios, seen_system, seen_board, seen_chassis;
};

static void record(struct parse_ctx *c, int code, const struct smbios_struct *s,
		   const char *what)
{
	if (c->err != SN_OK)
		return;
	c->err = sn_fail(c->e, code, "type %u at offset %zu: %s", s->type,
			 s->offset, what);
}

static int has_field(const struct smbios_struct *s, size_t off, size_t width)
{
	return off + width <= s->len;
}

static unsigned field8(const struct smbios_struct *s, size_t off)
{
	return has_field(s, off, 1) ? s->p[off] : 0;
}

static unsigned field16(const struct smbios_struct *s, size_t off)
{
	if (!has_field(s, off, 2))
		return 0;
	return (unsigned)s->p[off] | (unsigned)s->p[off + 1] << 8;
}

static uint32_t field32(const struct smbios_struct *s, size_t off)
{
	if (!has_field(s, off, 4))
		return 0;
	return (uint32_t)s->p[off] | (uint32_t)s->p[off + 1] << 8 |
	       (uint32_t)s->p[off + 2] << 16 | (uint32_t)s->p[off + 3] << 24;
}

/* Copies a string into dst: non-printable bytes become '.' (as dmidecode
 * shows them) so the value is safe in logs and JSON; trailing spaces go. */
static void copy_clean(char dst[static SMBIOS_STR], const uint8_t *src, size_t n)
{
	size_t i;

	if (n > SMBIOS_STR - 1)
		n = SMBIOS_STR - 1;
	for (i = 0; i < n; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '.';
	while (i > 0 && dst[i - 1] == ' ')
		i--;
	dst[i] = '\0';
}

/* Fills dst with the string whose 1-based index sits at field offset off;
 * index 0 (or a field the structure is too short for) means "no string". */
static void get_string(struct parse_ctx *c, const struct smbios_struct *s,
		       size_t off, char dst[static SMBIOS_STR])
{
	unsigned index = field8(s, off);
	const uint8_t *str = s->p + s->len;
	const uint8_t *end = str + s->strings_len;
	char what[64];

	dst[0] = '\0';
	if (index == 0)
		return;
	for (unsigned i = 1; str < end && *str != '\0'; i++) {
		size_t n = strnlen((const char *)str, (size_t)(end - str));
		if (i == index) {
			copy_clean(dst, str, n);
			return;
		}
		str += n + 1;
	}
	snprintf(what, sizeof(what), "string %u at field 0x%02zx out of range",
		 index, off);
	record(c, SN_E_SMBIOS_STRING_INDEX, s, what);
}

/* Finds the structure at *off and moves *off past it. Returns SN_OK, or the
 * error that makes the rest of the table unreachable. */
static int next_struct(struct parse_ctx *c, const uint8_t *buf, size_t len,
		       size_t *off, struct smbios_struct *s)
{
	size_t at = *off, i;

	s->offset = at;
	s->type = 0;
	if (len - at < SMBIOS_HEADER_LEN)
		return sn_fail(c->e, SN_E_SMBIOS_HEADER_TRUNCATED,
			       "offset %zu: %zu bytes left, header needs %d",
			       at, len - at, SMBIOS_HEADER_LEN);
	s->p = buf + at;
	s->type = buf[at];
	s->len = buf[at + 1];
	if (s->len < SMBIOS_HEADER_LEN)
		return sn_fail(c->e, SN_E_SMBIOS_LENGTH_SHORT,
			       "type %u at offset %zu: length %zu", s->type, at,
			       s->len);
	if (s->len > len - at)
		return sn_fail(c->e, SN_E_SMBIOS_FORMATTED_TRUNCATED,
			       "type %u at offset %zu: length %zu, %zu bytes left",
			       s->type, at, s->len, len - at);
	/* The string set ends with two NULs, also when it holds no string. */
	for (i = at + s->len; i + 1 < len; i++) {
		if (buf[i] == 0 && buf[i + 1] == 0) {
			s->strings_len = i + 2 - (at + s->len);
			*off = i + 2;
			return SN_OK;
		}
	}
	return sn_fail(c->e, SN_E_SMBIOS_STRINGS_UNTERMINATED,
		       "type %u at offset %zu: strings from offset %zu",
		       s->type, at, at + s->len);
}

static void parse_bios(struct parse_ctx *c, const struct smbios_struct *s)
{
	if (c->seen_bios++)
		return;
	get_string(c, s, 0x04, c->out->bios_vendor);
	get_string(c, s, 0x05, c->out->bios_version);
	get_string(c, s, 0x08, c->out->bios_date);
}

/* SMBIOS 2.6+ stores the UUID's first three fields little-endian (7.2.1);
 * a table without its entry point cannot say its version, and every
 * firmware of the last fifteen years is 2.6+, so that order is assumed. */
static void format_uuid(const uint8_t r[16], char out[37])
{
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 r[3], r[2], r[1], r[0], r[5], r[4], r[7], r[6], r[8], r[9],
		 r[10], r[11], r[12], r[13], r[14], r[15]);
}

static int uuid_is_set(const uint8_t r[16])
{
	int zeros = 1, ones = 1;

	for (int i = 0; i < 16; i++) {
		zeros &= r[i] == 0x00;
		ones &= r[i] == 0xff;
	}
	return !zeros && !ones;
}

static void parse_system(struct parse_ctx *c, const struct smbios_struct *s)
{
	struct smbios_facts *f = c->out;

	if (c->seen_system++)
		return;
	get_string(c, s, 0x04, f->manufacturer);
	get_string(c, s, 0x05, f->product);
	get_string(c, s, 0x07, f->system_serial);
	if (!has_field(s, 0x08, 16))
		return;
	memcpy(f->uuid_raw, s->p + 0x08, 16);
	f->has_uuid = uuid_is_set(f->uuid_raw);
	if (f->has_uuid)
		format_uuid(f->uuid_raw, f->uuid);
}

static void parse_board(struct parse_ctx *c, const struct smbios_struct *s)
{
	if (c->seen_board++)
		return;
	get_string(c, s, 0x07, c->out->board_serial);
}

static void parse_chassis(struct parse_ctx *c, const struct smbios_struct *s)
{
	if (c->seen_chassis++)
		return;
	get_string(c, s, 0x07, c->out->chassis_serial);
	get_string(c, s, 0x08, c->out->asset_tag);
}

#define CPU_TYPE_CENTRAL 0x03
#define CPU_STATUS_POPULATED 0x40

static void parse_cpu(struct parse_ctx *c, const struct smbios_struct *s)
{
	unsigned cores;

	if (field8(s, 0x05) != CPU_TYPE_CENTRAL ||
	    !(field8(s, 0x18) & CPU_STATUS_POPULATED))
		return;
	c->out->cpu_sockets++;
	cores = field8(s, 0x23);
	/* 0xFF: the count did not fit, SMBIOS 3.0 moved it to Core Count 2. */
	if (cores == 0xff && has_field(s, 0x2a, 2))
		cores = field16(s, 0x2a);
	c->out->cpu_cores += cores;
}

#define MEM_SIZE_UNKNOWN 0xffff
#define MEM_SIZE_EXTENDED 0x7fff
#define MEM_SIZE_IN_KB 0x8000

static void parse_memory(struct parse_ctx *c, const struct smbios_struct *s)
{
	unsigned size = field16(s, 0x0c);

	if (size == 0 || size == MEM_SIZE_UNKNOWN)
		return;
	if (size == MEM_SIZE_EXTENDED && has_field(s, 0x1c, 4))
		c->memory_kb += (uint64_t)(field32(s, 0x1c) & 0x7fffffff) * 1024;
	else if (size & MEM_SIZE_IN_KB)
		c->memory_kb += size & 0x7fff;
	else
		c->memory_kb += (uint64_t)size * 1024;
}

static const struct {
	uint8_t type;
	void (*parse)(struct parse_ctx *c, const struct smbios_struct *s);
} handlers[] = {
	{ 0, parse_bios },
	{ 1, parse_system },
	{ 2, parse_board },
	{ 3, parse_chassis },
	{ 4, parse_cpu },
	{ 17, parse_memory },
};

static void dispatch(struct parse_ctx *c, const struct smbios_struct *s)
{
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].type == s->type)
			handlers[i].parse(c, s);
}

/* System first: it is what the vendor stamps on the box; a board or chassis
 * serial stands in only when the system one is a placeholder. */
static void choose_serial(struct smbios_facts *f)
{
	const struct {
		const char *source;
		const char *value;
	} order[] = {
		{ "system", f->system_serial },
		{ "board", f->board_serial },
		{ "chassis", f->chassis_serial },
	};

	f->serial[0] = '\0';
	f->serial_source[0] = '\0';
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (smbios_is_placeholder(order[i].value))
			continue;
		snprintf(f->serial, sizeof(f->serial), "%s", order[i].value);
		snprintf(f->serial_source, sizeof(f->serial_source), "%s",
			 order[i].source);
		return;
	}
}

int smbios_parse(const uint8_t *buf, size_t len, struct smbios_facts *out,
		 struct sn_err *e)
{
	struct parse_ctx c = { .out = out, .e = e, .err = SN_OK };
	struct smbios_struct s;
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	sn_clear(e);
	if (buf == NULL || len == 0)
		return sn_fail(e, SN_E_SMBIOS_EMPTY, "0 bytes");
	while (off < len) {
		int rc = next_struct(&c, buf, len, &off, &s);
		if (rc != SN_OK) {
			/* A structural fault beats a bad string index seen
			 * earlier: it is why the rest of the table is lost. */
			c.err = rc;
			break;
		}
		if (s.type == SMBIOS_TYPE_END)
			break;
		dispatch(&c, &s);
	}
	out->memory_mb = c.memory_kb / 1024;
	choose_serial(out);
	return c.err;
}

#define SMBIOS_TYPE_OEM_STRINGS 11

int smbios_oem_strings(const uint8_t *buf, size_t len, smbios_string_fn fn,
		       void *arg, struct sn_err *e)
{
	struct smbios_facts unused;
	struct parse_ctx c = { .out = &unused, .e = e, .err = SN_OK };
	struct smbios_struct s;
	size_t off = 0;
	unsigned index = 0;

	sn_clear(e);
	if (buf == NULL || len == 0)
		return sn_fail(e, SN_E_SMBIOS_EMPTY, "0 bytes");
	while (off < len) {
		int rc = next_struct(&c, buf, len, &off, &s);
		if (rc != SN_OK)
			return rc;
		if (s.type == SMBIOS_TYPE_END)
			break;
		if (s.type != SMBIOS_TYPE_OEM_STRINGS)
			continue;
		/* The count byte at 0x04 is informational: the string set
		 * itself (ends at the double NUL) is what exists. */
		for (const uint8_t *p = s.p + s.len, *end = p + s.strings_len;
		     p < end && *p;) {
			size_t n = strnlen((const char *)p, (size_t)(end - p));
			fn(arg, ++index, (const char *)p, n);
			p += n + 1;
		}
	}
	return SN_OK;
}

/* Strings vendors ship in place of a serial (collected from dmidecode
 * reports of real boards); compared without case, spaces trimmed. */
static const char *const placeholder_serials[] = {
	"To Be Filled By O.E.M.", "To Be Filled By O.E.M", "O.E.M.", "OEM",
	"Default string", "Default", "System Serial Number",
	"Base Board Serial Number", "Chassis Serial Number", "Serial Number",
	"SerialNumber", "Not Specified", "Not Applicable", "Not Available",
	"N/A", "NA", "None", "Null", "Empty", "Unknown", "Invalid",
	"123456789", "1234567890", "0123456789",
};

/* Only fill characters (blanks, dots, dashes, zeros, X, erased flash 0xFF,
 * or bytes copy_clean replaced): nothing that identifies a machine. */
static int only_filler(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(" \t.-_0xX*\xff", s[i]))
			return 0;
	return 1;
}

int smbios_is_placeholder(const char *s)
{
	size_t n;

	if (s == NULL)
		return 1;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || only_filler(s, n))
		return 1;
	for (size_t i = 0; i < sizeof(placeholder_serials) / sizeof(placeholder_serials[0]); i++)
		if (strlen(placeholder_serials[i]) == n &&
		    strncasecmp(s, placeholder_serials[i], n) == 0)
			return 1;
	return 0;
}
