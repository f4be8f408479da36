# The reference backend (server-stub/): host gcc and glibc, libmicrohttpd
# over GnuTLS, SQLite or PostgreSQL (libpq), cJSON, libcrypto for SHA-256,
# and libcurl (GnuTLS flavour) for the `ctl` command. Included by the
# top Makefile, which defines BUILD and WARN.
SERVER_SRCS    := $(sort $(wildcard server-stub/*.c))
SERVER_CFLAGS_PG := -I/usr/include/postgresql
SERVER_OBJS    := $(patsubst server-stub/%.c,$(BUILD)/server-obj/%.o,$(SERVER_SRCS))
SERVER_HDRS    := $(wildcard server-stub/*.h)
SERVER_CFLAGS  := $(WARN) -O2 -g -pthread -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
		  $(SERVER_CFLAGS_PG)
SERVER_LDLIBS  := -lmicrohttpd -lsqlite3 -lpq -lcjson -lcrypto -lcurl -pthread

# The dashboard's files are built into dashboard.o (.incbin).
SERVER_DASH    := $(wildcard server-stub/dashboard/*)
$(BUILD)/server-obj/dashboard.o $(BUILD)/server-obj-asan/dashboard.o: $(SERVER_DASH)

$(BUILD)/server-obj/%.o: server-stub/%.c $(SERVER_HDRS) server-stub/server.mk | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	gcc $(SERVER_CFLAGS) -c -o $@ $<

$(BUILD)/server-stub: $(SERVER_OBJS)
	gcc -o $@ $^ $(SERVER_LDLIBS)

# The same with AddressSanitizer and UBSan, for the tests:
#   SERVER_STUB_BIN=build/server-stub-asan python3 -m pytest tests/test_server_*.py
SERVER_ASAN_OBJS := $(patsubst server-stub/%.c,$(BUILD)/server-obj-asan/%.o,$(SERVER_SRCS))
SERVER_ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		     -fno-omit-frame-pointer $(TEST_INIT)

$(BUILD)/server-obj-asan/%.o: server-stub/%.c $(SERVER_HDRS) server-stub/server.mk | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	gcc $(WARN) -O1 -g -pthread $(SERVER_ASAN_FLAGS) $(SERVER_CFLAGS_PG) -c -o $@ $<

$(BUILD)/server-stub-asan: $(SERVER_ASAN_OBJS)
	gcc $(SERVER_ASAN_FLAGS) -o $@ $^ $(SERVER_LDLIBS)

# The load generator (server-stub/tools/loadgen.c): libcurl multi.
$(BUILD)/loadgen: server-stub/tools/loadgen.c server-stub/server.mk | $(BUILD)/.deps
	gcc $(WARN) -O2 -g -o $@ $< -lcurl

# libFuzzer over the pure input handling (validate, decide, range, cJSON).
SERVER_FUZZ_SRCS := server-stub/fuzz/fuzz_input.c server-stub/validate.c server-stub/decide.c \
		    server-stub/range.c server-stub/buf.c
$(BUILD)/fuzz/fuzz_server_input: $(SERVER_FUZZ_SRCS) $(SERVER_HDRS) server-stub/server.mk | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	clang $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		$(TEST_INIT) -o $@ $(SERVER_FUZZ_SRCS) -lcjson
