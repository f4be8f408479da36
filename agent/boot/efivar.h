/* UEFI variables through efivarfs (/sys/firmware/efi/efivars/<Name>-<GUID>):
 * a file holds the 4-byte little-endian attributes, then the data. The
 * kernel marks most variable files immutable (chattr +i) so a stray
 * `rm -rf /sys` cannot brick a machine; efivar_set and efivar_del clear
 * that flag on the one file they change. */
#ifndef SNBOOT_EFIVAR_H
#define SNBOOT_EFIVAR_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define EFI_GLOBAL_GUID "8be4df61-93ca-11d2-aa0d-00e098032b8c"

#define EFI_VARIABLE_NON_VOLATILE       0x00000001u
#define EFI_VARIABLE_BOOTSERVICE_ACCESS 0x00000002u
#define EFI_VARIABLE_RUNTIME_ACCESS     0x00000004u
/* what Boot####, BootOrder, BootNext and our own counters use */
#define EFI_VARIABLE_NV_BS_RT (EFI_VARIABLE_NON_VOLATILE | \
	EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS)

#define EFIVAR_DIR "/sys/firmware/efi/efivars"

/* 1 when efivarfs is mounted at the directory in use (see efivar_set_dir). */
int efivar_available(void);

/* Reads variable name-guid: *attrs (may be NULL) and up to *len bytes into
 * buf; *len becomes the data's size. SN_E_EFIVAR_NOENT when it does not
 * exist, SN_E_EFIVAR_SIZE (with *len set to the size needed) when buf is
 * too small. guid is lowercase text "8be4df61-93ca-11d2-aa0d-00e098032b8c". */
int efivar_get(const char *guid, const char *name, uint32_t *attrs, void *buf,
	       size_t *len, struct sn_err *e);

/* Creates or replaces the variable with attrs and len bytes of data. */
int efivar_set(const char *guid, const char *name, uint32_t attrs, const void *buf,
	       size_t len, struct sn_err *e);

/* Deletes it; SN_OK when it did not exist. */
int efivar_del(const char *guid, const char *name, struct sn_err *e);

/* Lists the names (without -GUID) of guid's variables that start with
 * prefix, sorted, into names[max][nlen]; returns how many (at most max),
 * -1 with e set when the directory cannot be read. */
int efivar_list(const char *guid, const char *prefix, char (*names)[64], int max,
		struct sn_err *e);

/* Tests: read and write another directory than EFIVAR_DIR (NULL resets). */
void efivar_set_dir(const char *dir);

#endif
