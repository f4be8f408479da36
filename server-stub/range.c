#include "range.h"

#include <ctype.h>
#include <string.h>

/* Decimal digits at *p into *out; 0 on success. */
static int parse_u64(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return 0;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

enum range_result range_parse(const char *header, uint64_t size, uint64_t *first, uint64_t *len)
{
	uint64_t a, b;

	if (!header)
		return RANGE_NONE;
	const char *p = skip_space(header);
	if (strncmp(p, "bytes=", 6))
		return RANGE_NONE;
	p = skip_space(p + 6);
	if (*p == '-') { /* suffix: the last b bytes */
		p++;
		if (parse_u64(&p, &b) < 0 || *skip_space(p))
			return RANGE_NONE;
		if (b == 0 || size == 0)
			return RANGE_UNSATISFIABLE;
		*len = b < size ? b : size;
		*first = size - *len;
		return RANGE_OK;
	}
	if (parse_u64(&p, &a) < 0 || *p++ != '-')
		return RANGE_NONE;
	if (!*skip_space(p)) {
		b = UINT64_MAX;
	} else if (parse_u64(&p, &b) < 0 || *skip_space(p) || b < a) {
		return RANGE_NONE; /* includes "a-b,c-d": several ranges */
	}
	if (a >= size)
		return RANGE_UNSATISFIABLE;
	if (b >= size)
		b = size - 1;
	*first = a;
	*len = b - a + 1;
	return RANGE_OK;
}
