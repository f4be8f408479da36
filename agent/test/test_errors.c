/* The error registry: codes unique, each documented in docs/errors.md. */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void codes_are_unique(void **state)
{
	for (size_t i = 0; i < sn_code_count(); i++)
		for (size_t j = i + 1; j < sn_code_count(); j++)
			assert_int_not_equal(sn_code_at(i), sn_code_at(j));
}

static void every_code_has_a_docs_entry(void **state)
{
	char *doc = slurp("docs/errors.md");
	int missing = 0;

	assert_non_null(doc);
	for (size_t i = 1; i < sn_code_count(); i++) {
		char heading[32];
		snprintf(heading, sizeof(heading), "\n## E%04d", sn_code_at(i));
		if (!strstr(doc, heading)) {
			fprintf(stderr, "docs/errors.md lacks a heading for E%04d (%s)\n",
				sn_code_at(i), sn_codename(sn_code_at(i)));
			missing++;
		}
	}
	free(doc);
	assert_int_equal(missing, 0);
}

static void format_names_code_and_anchor(void **state)
{
	struct sn_err e;
	char buf[400];

	sn_fail(&e, SN_E_NO_URL, "lease on %s", "eth0");
	sn_format(&e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "E0105"));
	assert_non_null(strstr(buf, "lease on eth0"));
	assert_non_null(strstr(buf, "docs/errors.md#e0105"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codes_are_unique),
		cmocka_unit_test(every_code_has_a_docs_entry),
		cmocka_unit_test(format_names_code_and_anchor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
