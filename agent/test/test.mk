# Host builds of the agent's logic: cmocka unit tests (gcc, ASan+UBSan) and
# libFuzzer targets (clang). Drop agent/test/test_<name>.c or
# agent/test/fuzz_<name>.c and they are built and run; both link against an
# archive of every agent source except the ones that need the musl-only
# libraries (curl, mbedtls) or are the program itself.

# The HTTP client (curl, mbedtls): musl only.
HTTP_CLIENT_SRCS := agent/http/http.c agent/http/http_errors.c agent/http/http_fetch.c \
                    agent/http/http_tls.c
HOST_EXCLUDE := agent/core/main.c $(HTTP_CLIENT_SRCS)
HOST_SRCS    := $(filter-out $(HOST_EXCLUDE),$(AGENT_SRCS))
HOST_CFLAGS  := $(WARN) -g -O1 -fno-omit-frame-pointer -Iagent $(TEST_INIT) \
                -fsanitize=address,undefined -fno-sanitize-recover=all \
                -DSNBOOT_VERSION='"host-test"' -DSNBOOT_BUILD_EPOCH=0LL
comma        := ,
FUZZ_CFLAGS  := $(filter-out -fsanitize=address$(comma)undefined,$(HOST_CFLAGS)) \
                -fsanitize=fuzzer,address,undefined -Wno-unused-command-line-argument

UNIT_SRCS  := $(sort $(wildcard agent/test/test_*.c))
UNIT_BINS  := $(patsubst agent/test/%.c,$(BUILD)/host/%,$(UNIT_SRCS))
FUZZ_SRCS  := $(sort $(wildcard agent/test/fuzz_*.c))
FUZZ_BINS  := $(patsubst agent/test/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_BINS  += $(BUILD)/fuzz/fuzz_server_input  # server-stub/fuzz (rule in server-stub/server.mk)
HOST_OBJS  := $(patsubst agent/%.c,$(BUILD)/host/obj/%.o,$(HOST_SRCS))
FUZZ_OBJS  := $(patsubst agent/%.c,$(BUILD)/fuzz/obj/%.o,$(HOST_SRCS))
FUZZ_SECONDS ?= 60

$(BUILD)/host/obj/%.o: agent/%.c $(AGENT_HDRS) | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	gcc $(HOST_CFLAGS) -c -o $@ $<

$(BUILD)/host/libagent.a: $(HOST_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/host/test_%: agent/test/test_%.c agent/test/fixtures.h $(BUILD)/host/libagent.a
	gcc $(HOST_CFLAGS) -Iagent/test -o $@ $< $(BUILD)/host/libagent.a -lcmocka -lcjson \
	    -lnettle -lz $(TEST_LIBS_$*)

# Extra libraries a test needs (test_sha256: OpenSSL's SHA-256, the reference)
TEST_LIBS_sha256 := -lcrypto
# test_tls_gcm: mbedtls' GCM API as the sysroot's mbedtls is built
# (MBEDTLS_GCM_ALT): the glue itself with the sysroot's mbedtls headers
# (after the system's, so Nettle's are Debian's) and Debian's Nettle.
TEST_LIBS_tls_gcm := -idirafter $(SYSROOT)/include mk/mbedtls/gcm_alt.c -lnettle
$(BUILD)/host/test_tls_gcm: mk/mbedtls/gcm_alt.c mk/mbedtls/gcm_alt.h $(SYSROOT)/.libs

$(BUILD)/fuzz/obj/%.o: agent/%.c $(AGENT_HDRS) | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz/libagent.a: $(FUZZ_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: agent/test/fuzz_%.c $(BUILD)/fuzz/libagent.a
	clang $(FUZZ_CFLAGS) -Iagent/test -o $@ $< $(BUILD)/fuzz/libagent.a -lnettle -lz

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  CMOCKA_TEST_ABORT=1 $$t; done

# Each fuzzer runs FUZZ_SECONDS on a copy of its seed corpus
# (agent/test/corpus/<name>/: real packets and scripts).
fuzz: $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_BINS); do n=$${f##*/fuzz_}; \
	  mkdir -p $(BUILD)/fuzz/corpus/$$n; \
	  cp -n agent/test/corpus/$$n/* $(BUILD)/fuzz/corpus/$$n/ 2>/dev/null || true; \
	  echo "== $$f ($(FUZZ_SECONDS) s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	     $(BUILD)/fuzz/corpus/$$n 2>&1 | grep -E 'stat::number_of_executed_units|ERROR|SUMMARY|BINGO' ; \
	  test $${PIPESTATUS[0]} -eq 0 || exit 1; done

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=10

# The HTTP client built for the host (curl and mbedtls exist only in the
# musl sysroot, so no cmocka): a small driver that tests/test_http_host.py
# runs against build/server-stub and fault servers on loopback.
HOST_HTTP_SRCS := agent/test/host_http.c $(HTTP_CLIENT_SRCS) agent/http/urlutil.c \
                  agent/http/x509san.c agent/http/dlpace.c agent/core/log.c \
                  agent/core/syslog.c agent/core/fdio.c agent/core/err.c \
                  agent/core/sha256.c
$(BUILD)/host-musl/host_http: $(HOST_HTTP_SRCS) $(AGENT_HDRS) $(SYSROOT)/.libs
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(AGENT_CFLAGS) -o $@ $(HOST_HTTP_SRCS) -static -L$(SYSROOT)/lib $(AGENT_LIBS)
