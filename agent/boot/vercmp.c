/* Version comparison as the UAPI version format specification describes
 * it: the strings are walked segment by segment; '~' sorts before
 * anything (even the end: 1~rc1 < 1), '-' separates version from release
 * (1-2 < 1.1), '^' marks a patched release, '.' a point release; numeric
 * segments compare by value and beat alphabetic ones; a longer string is
 * newer. Other characters only separate segments. */
#include "boot/vercmp.h"

#include <string.h>

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static int is_version_char(char c)
{
	return is_digit(c) || is_alpha(c) || c == '~' || c == '-' || c == '^' || c == '.';
}

static int cmp(long a, long b)
{
	return (a > b) - (a < b);
}

/* One of the separators both strings may start with: the one that has it
 * sorts as older (returns its verdict), or both drop it. */
static int separator(const char **a, const char **b, char sep, int *r)
{
	if (**a != sep && **b != sep)
		return 0;
	*r = cmp(**a != sep, **b != sep);
	if (*r)
		return 1;
	(*a)++;
	(*b)++;
	return 0;
}

int uapi_vercmp(const char *a, const char *b)
{
	int r;

	if (!a || !*a || !b || !*b)
		return cmp(a && *a, b && *b);
	for (;;) {
		const char *aa, *bb;

		while (*a && !is_version_char(*a))
			a++;
		while (*b && !is_version_char(*b))
			b++;
		if (separator(&a, &b, '~', &r))
			return r;
		if (!*a || !*b)
			return cmp(*a != '\0', *b != '\0');
		if (separator(&a, &b, '-', &r) || separator(&a, &b, '^', &r) ||
		    separator(&a, &b, '.', &r))
			return r;
		if (is_digit(*a) || is_digit(*b)) {
			for (aa = a; is_digit(*aa); aa++)
				;
			for (bb = b; is_digit(*bb); bb++)
				;
			r = cmp(aa != a, bb != b);
			if (r)
				return r;
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			r = cmp(aa - a, bb - b);
			if (r)
				return r;
			r = strncmp(a, b, (size_t)(aa - a));
			if (r)
				return cmp(r, 0);
		} else {
			size_t n;

			for (aa = a; is_alpha(*aa); aa++)
				;
			for (bb = b; is_alpha(*bb); bb++)
				;
			n = (size_t)(aa - a) < (size_t)(bb - b) ? (size_t)(aa - a) : (size_t)(bb - b);
			r = strncmp(a, b, n);
			if (r)
				return cmp(r, 0);
			r = cmp(aa - a, bb - b);
			if (r)
				return r;
		}
		a = aa;
		b = bb;
	}
}
