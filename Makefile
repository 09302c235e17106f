# ntlab — build, test, install. See README.md.
CC      ?= cc
CLANG   ?= clang
PREFIX  ?= /usr/local
BUILD   := build
CSTD    := -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2
CFLAGS  ?= -O2 -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -I. -I$(BUILD)/gen -MMD -MP
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# The teaching console (src/console, src/net/httpconn.c): GNU libmicrohttpd
# and jansson from Debian (.ci/deps); builds without them define
# NTLAB_NO_CONSOLE (the QEMU appliance's static build; Windows has none).
LDLIBS  := -lmicrohttpd -ljansson

LIB_SRCS := $(sort $(wildcard src/lib/*.c emulator/*.c src/mailstore/*.c src/pop3/*.c src/smtp/*.c src/exchange/*.c \
                             src/net/*.c src/scenario/*.c src/cli/*.c src/console/*.c))
EMBED_FILES := $(sort $(wildcard src/pop3/personas/*.persona policies/*.inf policies/presets/*))
# issue 16: the exercise grader and the exercises embedded in the binary
LIB_SRCS += $(sort $(wildcard src/exercise/*.c))
EMBED_FILES += $(sort $(wildcard src/exercises/*.exercise))
# The teaching console's pages (issue 15): HTML, CSS and JS served from the binary.
EMBED_FILES += $(sort $(wildcard src/console/www/*))
GEN_SRCS := $(BUILD)/gen/embedded.c
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
BENCH_SRCS := $(sort $(wildcard tests/bench/*.c))

LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/embedded.o
SAN_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/san/%.o) $(BUILD)/san/gen/embedded.o
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/tests/unit/main.o
UNIT_SAN_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/san/%.o) $(BUILD)/san/tests/unit/main.o
# Shared unit-test helpers that are not suites (no test_ prefix).
UNIT_OBJS += $(BUILD)/obj/tests/unit/console_fixture.o
UNIT_SAN_OBJS += $(BUILD)/san/tests/unit/console_fixture.o

.PHONY: all test unit unit-san cli-test scenario-test e2e-test run install clean bench bench-smoke deps-build deps-test deps-run deps-bench
all: $(BUILD)/ntlab $(BUILD)/libntlab.a

deps-build:
	@.ci/deps build
deps-test:
	@.ci/deps test
deps-run:
	@.ci/deps run

$(BUILD)/gen/embedded.c: $(EMBED_FILES) src/gen-embed.sh
	@mkdir -p $(@D)
	src/gen-embed.sh $@ $(EMBED_FILES)

# The unit runner calls one register function per test file: tests/unit/test_foo.c
# defines `void suite_foo(void)`.
$(BUILD)/gen/unit_suites.h: $(UNIT_SRCS) Makefile
	@mkdir -p $(@D)
	@for f in $(UNIT_SRCS); do n=$$(basename $$f .c); n=$${n#test_}; \
	  echo "SUITE($$n)"; done > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@
$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@
$(BUILD)/san/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(CSTD) $(WARN) $(SANFLAGS) -I. -I$(BUILD)/gen -MMD -MP -c $< -o $@
$(BUILD)/san/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(CLANG) $(CSTD) $(WARN) $(SANFLAGS) -I. -I$(BUILD)/gen -c $< -o $@

$(BUILD)/obj/tests/unit/main.o $(BUILD)/san/tests/unit/main.o: $(BUILD)/gen/unit_suites.h

# What `ntlab --version` prints: `git describe` of the checkout, "unknown"
# outside git (a tarball). version.h is rewritten only when that changes, so
# a build rebuilds main.o only after a commit or a change of the tree.
NTLAB_VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo unknown)
.PHONY: FORCE
$(BUILD)/gen/version.h: FORCE
	@mkdir -p $(@D)
	@echo '#define NTLAB_VERSION "$(NTLAB_VERSION)"' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/obj/src/cli/main.o $(BUILD)/san/src/cli/main.o $(BUILD)/fuzzobj/src/cli/main.o \
  $(BUILD)/win64/obj/src/cli/main.o: $(BUILD)/gen/version.h
# run --minimize's header names the version too (issue 19).
$(BUILD)/obj/src/cli/cmd_minimize.o $(BUILD)/san/src/cli/cmd_minimize.o \
  $(BUILD)/fuzzobj/src/cli/cmd_minimize.o $(BUILD)/win64/obj/src/cli/cmd_minimize.o: $(BUILD)/gen/version.h

$(BUILD)/libntlab.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/libntlab-san.a: $(SAN_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/ntlab: $(BUILD)/obj/src/ntlab.o $(BUILD)/libntlab.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/ntlab-san: $(BUILD)/san/src/ntlab.o $(BUILD)/libntlab-san.a
	$(CLANG) $(SANFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit: $(UNIT_OBJS) $(BUILD)/libntlab.a
	$(CC) $(CFLAGS) -o $@ $^ -lcunit $(LDLIBS)
$(BUILD)/unit-san: $(UNIT_SAN_OBJS) $(BUILD)/libntlab-san.a
	$(CLANG) $(SANFLAGS) -o $@ $^ -lcunit $(LDLIBS)

$(BUILD)/bench/%: tests/bench/%.c $(BUILD)/libntlab.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -O2 -o $@ $< $(BUILD)/libntlab.a $(LDLIBS)

# The test command of the README. Units, command-line tests, scenarios and
# the wire tests run on the normal build; then units and scenarios again on
# the clang ASan+UBSan build (which also proves clang builds warning-free).
test: deps-test
	$(MAKE) all $(BUILD)/unit
	$(BUILD)/unit
	$(MAKE) cli-test scenario-test e2e-test
	$(MAKE) console-test
	@if command -v wine >/dev/null 2>&1; then $(MAKE) check-wine; else echo "check-wine: skipped (no Wine; .ci/deps test installs it)"; fi
	$(MAKE) $(BUILD)/unit-san $(BUILD)/ntlab-san
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(BUILD)/unit-san
	$(MAKE) scenario-test NTLAB=$(BUILD)/ntlab-san
	$(MAKE) valgrind
	$(MAKE) crash-test
	$(MAKE) load-test
	$(MAKE) bench-smoke
	$(MAKE) e2e-san
	$(MAKE) fuzz-replay
	$(MAKE) fuzz
	if command -v qemu-system-x86_64 >/dev/null; then $(MAKE) check-vm; fi
	@echo "make test: all suites passed"

unit: $(BUILD)/unit
	$(BUILD)/unit

# The teaching console in a real browser (issue 15): Debian's chromium driven
# by puppeteer-core (tests/console, `npm ci` by .ci/deps console); the
# founding exercise by clicking, screenshots in build/console/.
.PHONY: console-test
console-test: $(BUILD)/ntlab
	@.ci/deps console
	@rm -rf $(BUILD)/console
	cd tests/console && node founding.mjs $(abspath $(BUILD)/ntlab) $(abspath $(BUILD)/console)
	cd tests/console && node save.mjs $(abspath $(BUILD)/ntlab)
	cd tests/console && node exercise.mjs $(abspath $(BUILD)/ntlab) $(abspath $(BUILD)/console)
unit-san: $(BUILD)/unit-san
	$(BUILD)/unit-san

NTLAB ?= $(BUILD)/ntlab
cli-test: $(BUILD)/ntlab
	@tests/cli/run.sh $(abspath $(NTLAB))
scenario-test: $(NTLAB)
	@if [ -n "$$(ls tests/scenarios/*.scn 2>/dev/null)" ]; then \
	  $(NTLAB) run tests/scenarios; else echo "scenarios: none yet"; fi
e2e-test: $(BUILD)/ntlab
	@tests/e2e/run.sh $(abspath $(BUILD)/ntlab)

# --- valgrind: the unit suites and the scenario run under memcheck; any
# error or leak (definite, indirect or possible) fails. Timing asserts are
# off there (UNIT_NO_TIMING, tests/unit/unit.h).
VALGRIND := valgrind -q --leak-check=full --error-exitcode=1 \
            --errors-for-leak-kinds=definite,indirect,possible \
            --show-leak-kinds=definite,indirect,possible --suppressions=tests/valgrind.supp
.PHONY: valgrind
valgrind: $(BUILD)/unit $(BUILD)/ntlab
	UNIT_NO_TIMING=1 $(VALGRIND) $(BUILD)/unit
	@if [ -n "$$(ls tests/scenarios/*.scn 2>/dev/null)" ]; then \
	  echo "$(VALGRIND) --trace-children=yes $(BUILD)/ntlab run tests/scenarios"; \
	  $(VALGRIND) --trace-children=yes $(BUILD)/ntlab run tests/scenarios; \
	else echo "valgrind: no scenarios yet"; fi

# --- crash safety (tests/crash/): SIGKILL at random instants, nothing lost.
.PHONY: crash-test
crash-test: $(BUILD)/ntlab
	python3 tests/crash/crash.py $(BUILD)/ntlab

# --- load and abuse (tests/load/): 10,000 idle sessions, hostile clients,
# security defaults, against `ntlab up`.
.PHONY: load-test
load-test: $(BUILD)/ntlab $(BUILD)/ntlab-san
	python3 tests/load/load.py $(BUILD)/ntlab
	python3 tests/load/abuse.py $(BUILD)/ntlab
	rm -rf $(BUILD)/asan-abuse
	python3 tests/load/abuse.py $(BUILD)/ntlab-san --asan-log-dir $(abspath $(BUILD))/asan-abuse

# The real-client tests against the ASan+UBSan build; every process's
# reports (daemons included, whose stderr nobody reads) go to
# BUILD/asan-e2e, and any report fails.
.PHONY: e2e-san
e2e-san: $(BUILD)/ntlab-san
	@rm -rf $(BUILD)/asan-e2e && mkdir -p $(BUILD)/asan-e2e
	ASAN_OPTIONS=detect_leaks=1:log_path=$(abspath $(BUILD))/asan-e2e/asan \
	UBSAN_OPTIONS=print_stacktrace=1:log_path=$(abspath $(BUILD))/asan-e2e/ubsan \
	  tests/e2e/run.sh $(abspath $(BUILD)/ntlab-san)
	@if [ -n "$$(ls $(BUILD)/asan-e2e)" ]; then cat $(BUILD)/asan-e2e/*; exit 1; fi

# --- fuzzing (tests/fuzz/, see tests/fuzz/README.md) ---------------------------
# Each tests/fuzz/fuzz_NAME.c is a libFuzzer target; the library is built a
# third time with coverage instrumentation (-fsanitize=fuzzer-no-link) plus
# ASan+UBSan. `make fuzz` runs every target for FUZZ_SECONDS, FUZZ_JOBS at a
# time, starting from tests/fuzz/corpus/NAME (new inputs go to
# $(BUILD)/fuzz/work/NAME, the repository is never written). `make
# fuzz-replay` runs the stored corpora and regression inputs through the
# targets in the ordinary sanitizer build, without libFuzzer.
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
FUZZFLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=all
FUZZ_OBJS := $(LIB_SRCS:%.c=$(BUILD)/fuzzobj/%.o) $(BUILD)/fuzzobj/gen/embedded.o

$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(CSTD) $(WARN) $(FUZZFLAGS) -I. -I$(BUILD)/gen -MMD -MP -c $< -o $@
$(BUILD)/fuzzobj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(CLANG) $(CSTD) $(WARN) $(FUZZFLAGS) -I. -I$(BUILD)/gen -c $< -o $@
$(BUILD)/libntlab-fuzz.a: $(FUZZ_OBJS)
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/fuzz/%: $(BUILD)/fuzzobj/tests/fuzz/fuzz_%.o $(BUILD)/fuzzobj/tests/fuzz/fuzzlib.o \
                 $(BUILD)/libntlab-fuzz.a
	@mkdir -p $(@D)
	$(CLANG) $(FUZZFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)
$(BUILD)/fuzz-replay/%: $(BUILD)/san/tests/fuzz/fuzz_%.o $(BUILD)/san/tests/fuzz/fuzzlib.o \
                        $(BUILD)/san/tests/fuzz/replay.o $(BUILD)/libntlab-san.a
	@mkdir -p $(@D)
	$(CLANG) $(SANFLAGS) -o $@ $^ $(LDLIBS)

.PHONY: fuzz fuzz-build fuzz-replay
.PRECIOUS: $(BUILD)/fuzzobj/tests/fuzz/%.o $(BUILD)/san/tests/fuzz/%.o
fuzz-build: $(FUZZ_NAMES:%=$(BUILD)/fuzz/%)
fuzz: deps-test fuzz-build
	@tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_NAMES)
fuzz-replay: $(FUZZ_NAMES:%=$(BUILD)/fuzz-replay/%)
	@for t in $(FUZZ_NAMES); do \
	  set -- tests/fuzz/corpus/$$t; [ -d tests/fuzz/regress/$$t ] && set -- "$$@" tests/fuzz/regress/$$t; \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(BUILD)/fuzz-replay/$$t "$$@" || exit 1; \
	done

# Benchmarks (not part of `make test`): every tests/bench/*.c is built and
# run, its output kept in BUILD/bench/NAME.out (and, last, tests/bench/smtp.py:
# the SMTP figures of issue 18, and tests/bench/class.py: 40 labs of a class
# served at once, issue 16); then tests/bench/run.sh,
# the POP3 benchmark against Dovecot, drives the tools pop3load and pop3lab
# and writes BUILD/bench/summary.json. A benchmark that fails (a setup
# error, a missing figure or a run with errors; a slow figure never fails)
# fails make bench after the others have run.
BENCH_TOOLS := pop3load pop3lab smtpstub
deps-bench:
	@.ci/deps bench
bench: deps-bench all $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/bench/%)
	@fail=0; for b in $(filter-out $(BENCH_TOOLS:%=$(BUILD)/bench/%),$(BENCH_SRCS:tests/bench/%.c=$(BUILD)/bench/%)); do \
	  echo "== $$b"; { $$b; echo $$? > $$b.rc; } 2>&1 | tee $$b.out; \
	  [ "$$(cat $$b.rc)" = 0 ] || { echo "bench: $$b failed"; fail=1; }; done; \
	echo "== tests/bench/run.sh"; tests/bench/run.sh $(BUILD) || fail=1; \
	echo "== tests/bench/smtp.py"; python3 tests/bench/smtp.py $(BUILD) || fail=1; \
	echo "== tests/bench/minimize.sh"; tests/bench/minimize.sh $(BUILD) || fail=1; \
	echo "== tests/bench/class.py"; python3 tests/bench/class.py $(BUILD) || fail=1; \
	echo "== tests/bench/console.py"; python3 tests/bench/console.py $(BUILD) || fail=1; exit $$fail

# A short run of the POP3 benchmark in make test (one round of 1 s runs,
# small counts, about 40 s; tests/bench/run.sh BENCH_SMOKE): it fails when
# any figure is missing or a run saw errors, so the bench cannot silently
# stop measuring again (issue 12). Needs Dovecot (.ci/deps test has it).
# It builds every benchmark, not only the tools it runs: a bench that no
# longer compiles would otherwise only show in `make bench`.
bench-smoke: all $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/bench/%)
	BENCH_SMOKE=1 tests/bench/run.sh $(BUILD)
	@# the SMTP bench (issue 18) in short, about 10 s; and it fails when its
	@# peer cannot be measured (a sink that exits at once)
	SMTP_SMOKE=1 python3 tests/bench/smtp.py $(BUILD)
	SMTP_SMOKE=1 SMTP_SINK=/bin/false BENCH_OUT=$(BUILD)/bench-smoke/smtp-fail python3 tests/bench/smtp.py $(BUILD) 2>&1 | \
	  grep 'FAILED: smtp-sink did not answer'

run: deps-run all
	@[ -d lab ] || $(BUILD)/ntlab init lab --preset q189732
	$(BUILD)/ntlab -C lab up --foreground --http 127.0.0.1:8110

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/ntlab \
	  $(DESTDIR)$(PREFIX)/share/ntlab/policies
	install -m 755 $(BUILD)/ntlab $(DESTDIR)$(PREFIX)/bin/ntlab
	install -m 644 $(BUILD)/libntlab.a $(DESTDIR)$(PREFIX)/lib/libntlab.a
	for d in src/lib emulator src/mailstore src/pop3 src/smtp src/exchange src/net src/scenario; do \
	  install -d $(DESTDIR)$(PREFIX)/include/ntlab/$$d; \
	  for h in $$d/*.h; do [ -f "$$h" ] && install -m 644 $$h $(DESTDIR)$(PREFIX)/include/ntlab/$$d/; done; \
	done; true
	install -m 644 policies/*.inf $(DESTDIR)$(PREFIX)/share/ntlab/policies/

# --- Windows (README "On Windows"): the same sources cross-compiled with
# mingw-w64 into one ntlab.exe that needs only system DLLs (kernel32,
# ws2_32, advapi32 for RtlGenRandom; msvcrt). -Wno-format: mingw's GCC
# checks printf-like functions against msvcrt's dialect (no %zu), while the
# program uses mingw's C99 printf (__USE_MINGW_ANSI_STDIO); the native gcc
# and clang builds check every format. `make check-wine` runs it under Wine.
WIN_CC    ?= x86_64-w64-mingw32-gcc
WIN_BUILD := $(BUILD)/win64
WIN_CFLAGS := $(CSTD) $(WARN) -Wno-format -D__USE_MINGW_ANSI_STDIO=1 -D_WIN32_WINNT=0x0600 \
              -O2 -I. -I$(BUILD)/gen -MMD -MP
WIN_OBJS  := $(LIB_SRCS:%.c=$(WIN_BUILD)/obj/%.o) $(WIN_BUILD)/obj/gen/embedded.o \
             $(WIN_BUILD)/obj/src/ntlab.o
.PHONY: windows check-wine deps-windows
deps-windows:
	@.ci/deps windows
windows: deps-windows
	$(MAKE) $(WIN_BUILD)/ntlab.exe
$(WIN_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CFLAGS) -c $< -o $@
$(WIN_BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CFLAGS) -c $< -o $@
$(WIN_BUILD)/ntlab.exe: $(WIN_OBJS)
	$(WIN_CC) -static -s -o $@ $^ -lws2_32 -ladvapi32 -lkernel32
# Builds both programs, then tests/wine/check.sh compares them and runs the
# scenario suite against ntlab.exe under Wine.
check-wine: windows all
	@tests/wine/check.sh $(abspath $(BUILD)/ntlab) $(abspath $(WIN_BUILD)/ntlab.exe)

clean:
	rm -rf $(BUILD)

# --- the QEMU appliance (vmimages/README.md) ------------------------------------
# vmimage: BUILD/vm/{vmlinux or bzImage, initramfs.cpio.gz}, with an ntlab
# built from the same sources, linked statically, in BUILD/vm/ntlab/.
# vm-run boots it on this terminal; check-vm boots it and runs the scenario
# suite against it through forwarded loopback ports (part of `make test`
# where QEMU is installed).
VM := $(BUILD)/vm
VM_SCENARIOS ?= tests/scenarios
.PHONY: vmimage vm-run check-vm deps-vm
deps-vm:
	@.ci/deps vm
vmimage: deps-vm
	$(MAKE) -j$$(nproc 2>/dev/null || echo 2) BUILD=$(VM)/ntlab CFLAGS="-O2 -DNTLAB_NO_CONSOLE" LDLIBS=-static \
	  $(VM)/ntlab/ntlab
	vmimages/mkimage.sh $(VM) $(VM)/ntlab/ntlab
vm-run: vmimage $(BUILD)/ntlab
	vmimages/run.sh $(VM) $(BUILD)/ntlab
check-vm:
	@t0=$$(date +%s); $(MAKE) --no-print-directory vmimage $(BUILD)/ntlab && \
	  vmimages/check.sh $(VM) $(BUILD)/ntlab $(VM_SCENARIOS); rc=$$?; \
	  echo "check-vm: $$(($$(date +%s) - t0)) s in all, the image build included"; exit $$rc

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
