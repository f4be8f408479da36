# snboot: one entry point. `make` installs what is missing (as root), builds
# the libraries, the agent, the kernel+initramfs image, the backend and the
# test target, all cached under build/. See README.md.

SHELL    := /bin/bash
BUILD    := build
ABS      := $(CURDIR)
B        := $(ABS)/$(BUILD)
SYSROOT  := $(B)/sysroot
KSRC     := $(B)/linux-source-6.1
KOUT     := $(B)/kernel
KHDR     := $(B)/kheaders
JOBS     ?= $(shell nproc)

AGENT_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
BUILD_EPOCH   := $(shell git log -1 --format=%ct 2>/dev/null || date +%s)

# Warnings as errors everywhere; the agent is small and static.
WARN     := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-unused-parameter -D_GNU_SOURCE
MUSL_CC  := musl-gcc
AGENT_CFLAGS := $(WARN) -Os -ffunction-sections -fdata-sections \
            -isystem $(KHDR)/include -I$(SYSROOT)/include -Iagent \
            -DSNBOOT_VERSION='"$(AGENT_VERSION)"' -DSNBOOT_BUILD_EPOCH=$(BUILD_EPOCH)LL
AGENT_LDFLAGS := -static -s -Wl,--gc-sections -L$(SYSROOT)/lib
AGENT_LIBS := -lcurl -lmbedtls -lmbedx509 -lmbedcrypto -lcjson -lnettle -lz

# Test builds (unit, fuzz, server-stub ASan): an uninitialised stack
# variable holds a pattern, so reading one fails every run, not only when
# the stack happens to hold no NUL.
TEST_INIT := -ftrivial-auto-var-init=pattern

# Every agent source but main.c builds for the host too (unit tests).
# A folder per stage (core, net, http, script, boot); agent/test holds tests.
AGENT_DIRS := core net http script boot
AGENT_SRCS := $(sort $(wildcard $(addprefix agent/,$(addsuffix /*.c,$(AGENT_DIRS)))))
AGENT_OBJS := $(patsubst agent/%.c,$(BUILD)/agent/%.o,$(AGENT_SRCS))
AGENT_HDRS := $(wildcard $(addprefix agent/,$(addsuffix /*.h,$(AGENT_DIRS)) $(addsuffix /*.def,$(AGENT_DIRS))))

.PHONY: all deps libs tools agent image server target pki demo test unit \
        scenarios bench size fuzz clean distclean

all: image server target

deps: $(BUILD)/.deps
$(BUILD)/.deps: mk/deps.sh
	@mkdir -p $(BUILD)
	sh mk/deps.sh
	@touch $@

# ---- the agent's libraries, static with musl, from Debian source packages
libs: $(SYSROOT)/.libs
$(SYSROOT)/.libs: mk/libs.sh $(wildcard mk/patches/curl/*.patch mk/patches/mbedtls/*.patch mk/mbedtls/*) \
		$(KHDR)/.installed | $(BUILD)/.deps
	sh mk/libs.sh $(B) $(KHDR)/include
	@touch $@

# ---- kernel source, headers for musl, configuration
$(KSRC)/.extracted: | $(BUILD)/.deps
	@mkdir -p $(B)
	rm -rf $(KSRC)
	tar -C $(B) -xf /usr/src/linux-source-6.1.tar.xz
	@touch $@

# our kernel patches (mk/patches/linux): a change recompiles what it touches
KPATCHES := $(sort $(wildcard mk/patches/linux/*.patch))
$(KSRC)/.patched: $(KSRC)/.extracted $(KPATCHES) mk/kpatch.sh
	sh mk/kpatch.sh $(KSRC) $(addprefix $(ABS)/,$(KPATCHES))
	@touch $@

$(KHDR)/.installed: $(KSRC)/.extracted
	$(MAKE) -s -C $(KSRC) ARCH=x86_64 O=$(B)/kheaders-build headers_install INSTALL_HDR_PATH=$(KHDR)
	@touch $@

$(BUILD)/initramfs.list: initramfs/files.list
	@mkdir -p $(BUILD)
	sed -e 's|@BUILD@|$(B)|g' -e 's|@SRC@|$(ABS)|g' $< > $@

$(BUILD)/initramfs.config: $(BUILD)/initramfs.list
	echo 'CONFIG_INITRAMFS_SOURCE="$(B)/initramfs.list"' > $@

KFRAGS := $(sort $(wildcard kernel-config/*.config))
$(KOUT)/.config: $(KSRC)/.extracted $(KFRAGS) $(BUILD)/initramfs.config mk/check-kconfig.sh
	@mkdir -p $(KOUT)
	$(MAKE) -s -C $(KSRC) ARCH=x86_64 O=$(KOUT) tinyconfig
	cd $(KOUT) && KCONFIG_CONFIG=.config $(KSRC)/scripts/kconfig/merge_config.sh \
	    -m -O $(KOUT) .config $(addprefix $(ABS)/,$(KFRAGS)) $(B)/initramfs.config >/dev/null
	$(MAKE) -s -C $(KSRC) ARCH=x86_64 O=$(KOUT) olddefconfig
	sh mk/check-kconfig.sh $(KOUT)/.config $(KFRAGS)

# ---- the image: one file that is a bzImage and an EFI application
image: $(BUILD)/snboot.efi
$(BUILD)/snboot.efi: $(KOUT)/.config $(KSRC)/.patched $(BUILD)/initramfs.list $(BUILD)/snboot \
		initramfs/snboot.conf $(BUILD)/pki/ca.pem $(BUILD)/tools/.built
	$(MAKE) -C $(KSRC) ARCH=x86_64 O=$(KOUT) -j$(JOBS) bzImage
	cp $(KOUT)/arch/x86/boot/bzImage $@

# ---- busybox and kexec-tools in the image, static with musl from Debian
# source packages; rebuilt when the script or the busybox config changes
tools: $(BUILD)/tools/.built
$(BUILD)/tools/.built: mk/tools.sh mk/busybox.config initramfs/files.list \
		$(wildcard mk/patches/kexec-tools/*.patch) $(KHDR)/.installed | $(BUILD)/.deps
	@if [ -f $@ ]; then for f in mk/tools.sh mk/busybox.config; do \
	  [ $$f -nt $@ ] && rm -f $(BUILD)/tools/busybox $(BUILD)/tools/kexec; done; true; fi
	sh mk/tools.sh $(B) $(KHDR)/include
	@touch $@

# ---- the agent
agent: $(BUILD)/snboot
$(BUILD)/agent/%.o: agent/%.c $(AGENT_HDRS) $(SYSROOT)/.libs
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(AGENT_CFLAGS) -c -o $@ $<

# The version is compiled into the objects that print it; they rebuild only
# when it changes, so a second `make` does no work.
$(BUILD)/version.txt: FORCE
	@mkdir -p $(BUILD)
	@echo '$(AGENT_VERSION) $(BUILD_EPOCH)' | cmp -s - $@ || echo '$(AGENT_VERSION) $(BUILD_EPOCH)' > $@
$(BUILD)/agent/core/main.o $(BUILD)/agent/core/facts.o $(BUILD)/agent/http/http.o: $(BUILD)/version.txt
FORCE:

$(BUILD)/snboot: $(AGENT_OBJS)
	$(MUSL_CC) $(AGENT_LDFLAGS) -o $@ $^ $(AGENT_LIBS)

# ---- demo PKI: a CA baked into the image, a server certificate for the
# backend (names localhost and the QEMU user-network host 10.0.2.2, ::1 and
# the test namespaces' addresses), and a second CA that signs nothing we
# use, for the wrong-CA scenario.
pki: $(BUILD)/pki/ca.pem
$(BUILD)/pki/ca.pem: mk/pki.sh | $(BUILD)/.deps
	sh mk/pki.sh $(B)/pki

# ---- the reference backend (host build, glibc)
server: $(BUILD)/server-stub
include server-stub/server.mk

# ---- test target: Debian's kernel + a busybox initramfs that prints a marker
target: $(BUILD)/target/vmlinuz $(BUILD)/target/initrd.img
$(BUILD)/target/vmlinuz $(BUILD)/target/initrd.img: tests/target/build.sh tests/target/init | $(BUILD)/.deps
	sh tests/target/build.sh $(B)/target

# ---- demo, tests, benchmarks
demo: all
	/usr/bin/python3 tests/demo.py

include agent/test/test.mk

test: all unit fuzz-smoke scenarios

# Host-only tests (no VM) run first, alone: some measure the backend under
# load. The QEMU scenarios then run SCENARIO_JOBS at a time (pytest-xdist,
# one test file per worker): each VM is one TCG thread, so on N cores N
# boots share the machine without slowing each other much.
HOST_TESTS   := tests/test_programs.py tests/test_image_size.py tests/test_localboot_dryrun.py \
                tests/test_script_corpus.py tests/test_http_host.py \
                $(wildcard tests/test_server_*.py)
VM_TESTS     := $(filter-out $(HOST_TESTS),$(sort $(wildcard tests/test_*.py)))
SCENARIO_JOBS ?= $(JOBS)

scenarios: all
	/usr/bin/python3 -m pytest -v $(HOST_TESTS)
	/usr/bin/python3 -m pytest -v -n $(SCENARIO_JOBS) --dist loadfile $(VM_TESTS)

bench: all
	/usr/bin/python3 tests/bench.py

# where the image's bytes go: `name value unit` lines (mk/size.sh)
size: $(BUILD)/snboot.efi
	sh mk/size.sh $(B) "$(AGENT_OBJS)" "$(AGENT_LDFLAGS)" "$(AGENT_LIBS)"

clean:
	rm -rf $(BUILD)/agent $(BUILD)/snboot $(BUILD)/snboot.efi $(BUILD)/host $(BUILD)/fuzz $(BUILD)/server-stub $(BUILD)/server-obj

distclean:
	rm -rf $(BUILD)
