/* SMBIOS: a pure parser over the raw structure table
 * (/sys/firmware/dmi/tables/DMI). No I/O. */
#ifndef SNBOOT_SMBIOS_H
#define SNBOOT_SMBIOS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define SMBIOS_STR 96

struct smbios_facts {
	char serial[SMBIOS_STR];        /* chosen: system → board → chassis, "" if none */
	char serial_source[16];         /* "system", "board", "chassis" or "" */
	char system_serial[SMBIOS_STR]; /* raw strings as found (placeholders kept) */
	char board_serial[SMBIOS_STR];
	char chassis_serial[SMBIOS_STR];
	char uuid[37];                  /* "xxxxxxxx-xxxx-...", lowercase, "" if absent/unset */
	uint8_t uuid_raw[16];           /* wire order as SMBIOS 2.6+ defines it */
	int has_uuid;
	char manufacturer[SMBIOS_STR];
	char product[SMBIOS_STR];
	char asset_tag[SMBIOS_STR];
	char bios_vendor[SMBIOS_STR];
	char bios_version[SMBIOS_STR];
	char bios_date[SMBIOS_STR];
	unsigned cpu_sockets;           /* type 4 structures with a populated socket */
	unsigned cpu_cores;             /* sum of core counts */
	uint64_t memory_mb;             /* sum of type 17 device sizes */
};

/* Parses the table; malformed input gives a clear error with the offset,
 * and whatever was parsed before the fault stays in *out. */
int smbios_parse(const uint8_t *buf, size_t len, struct smbios_facts *out,
		 struct sn_err *e);

/* Type 11 (OEM strings, DSP0134 §7.12): fn gets every string of every
 * type 11 structure, in table order, as bytes (not NUL-terminated, not
 * cleaned: the caller decides what it accepts). Returns SN_OK, or the
 * structural error that cut the walk short (the strings before it were
 * delivered). QEMU: -smbios type=11,value=<text>. */
typedef void (*smbios_string_fn)(void *arg, unsigned index, const char *s,
				 size_t len);
int smbios_oem_strings(const uint8_t *buf, size_t len, smbios_string_fn fn,
		       void *arg, struct sn_err *e);

/* 1 if s is a placeholder vendors ship instead of a serial. */
int smbios_is_placeholder(const char *s);

#endif
