/* Shared helpers for unit tests: byte fixtures. */
#ifndef SNBOOT_TEST_FIXTURES_H
#define SNBOOT_TEST_FIXTURES_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#endif
