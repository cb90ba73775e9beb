# danelab — the single entry point: build, check, install, the lab.
#
#   make                 build every command into bin/
#   make unit            Check unit tests (UNIT_JOBS suites at a time)
#   make check           Check unit tests, then the integration tests
#   make SANITIZE=1 check  the same with ASan+UBSan, built into build-san/
#   make valgrind        unit tests under valgrind (VALGRIND_JOBS suites at a time)
#   make install PREFIX=/usr/local DESTDIR=
#   make format          clang-format every C file
#   make fuzz            each libFuzzer harness of tests/fuzz for FUZZ_SECONDS
#                        (default 60), built with clang into build-fuzz/

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share/danelab
DESTDIR  ?=
SANITIZE ?= 0

CC       ?= cc
PKG_CONFIG ?= pkg-config
PKGS     := ldns libunbound openssl yaml-0.1 jansson libevent libevent_openssl

ifeq ($(SANITIZE),1)
O        := build-san
B        := build-san/bin
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
O        := build
B        := bin
SANFLAGS :=
endif

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation
CPPFLAGS += -D_GNU_SOURCE

# The layers (docs/ARCHITECTURE.md). Each folder's files are compiled with
# the include path of the folder itself and of the folders it may use,
# nothing else: an upward #include does not compile. Each folder is its own
# archive, linked top layer first. tests/layering checks the include graph.
#   lab  ->  lab/check, lab/mta  ->  lab/report  ->  lab/world  ->
#   lab/scenario  ->  src, zones, certs  ->  common;  fakesmtp, fakedns -> common
#   lab  ->  lab/import  ->  lab/scenario, capture;  capture  ->  src
USES_common        :=
USES_src           := common
USES_zones         := common
USES_certs         := common
USES_fakesmtp      := common
USES_fakedns       := common
USES_capture       := src common
USES_lab/scenario  := src zones certs common
USES_lab/import    := lab/scenario capture $(USES_lab/scenario)
USES_lab/world     := lab/scenario $(USES_lab/scenario)
USES_lab/report    := lab/world $(USES_lab/world)
USES_lab/check     := lab/report $(USES_lab/report)
USES_lab/mta       := lab/report $(USES_lab/report)
USES_lab           := lab/check lab/mta lab/import capture $(USES_lab/check)
LAYERS   := lab lab/check lab/mta lab/report lab/world lab/import lab/scenario capture src zones certs \
            fakesmtp fakedns common
# Tests and fuzz harnesses see every folder.
USES_tests/unit    := $(LAYERS)
USES_tests/fuzz    := $(LAYERS)
# -I flags for the source file $(1).
incs = $(addprefix -I,$(patsubst %/,%,$(dir $(1))) $(USES_$(patsubst %/,%,$(dir $(1)))))
CFLAGS   ?= -O2 -g
# pkg-config once (not once per compile), and a failure is an error: a
# missing Requires.private of a .pc file (libunbound.pc: nettle, hogweed)
# used to make --cflags print nothing but warnings, compile after compile.
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_STATUS := $(.SHELLSTATUS)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS))
ifneq ($(filter-out clean format format-check print-layers,$(or $(MAKECMDGOALS),all)),)
ifneq ($(PKG_STATUS),0)
$(error $(PKG_CONFIG) --cflags $(PKGS) failed (see above): run scripts/install-deps --build-only)
endif
endif
CFLAGS   += -std=c11 $(WARN) $(SANFLAGS) -MMD -MP $(PKG_CFLAGS)
LDFLAGS  += $(SANFLAGS)
LDLIBS   += $(PKG_LIBS)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

# Files holding main(), one per command; everything else goes into the
# library every command and test links against. A command is built once its
# main file exists.
MAIN_danelab    := lab/danelab.c
MAIN_fakesmtp   := fakesmtp/fakesmtp_main.c
MAIN_fakedns    := fakedns/fakedns_main.c
MAIN_dane-client := src/dane_client_main.c
COMMANDS := $(foreach c,danelab fakesmtp fakedns dane-client,$(if $(wildcard $(MAIN_$(c))),$(c)))
MAINS    := $(foreach c,$(COMMANDS),$(MAIN_$(c)))
LIB_SRCS := $(filter-out $(MAINS),$(foreach l,$(LAYERS),$(wildcard $(l)/*.c)))
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
# One archive per layer, $(O)/<folder>/lib.a, in link order (top first).
LIBS     := $(foreach l,$(LAYERS),$(if $(filter-out $(MAINS),$(wildcard $(l)/*.c)),$(O)/$(l)/lib.a))
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(O)/%.o)
# One Check suite per tests/unit/check_<module>.c, exporting <module>_suite();
# other files there (testutil_*.c) are helpers the suites share.
SUITES   := $(patsubst tests/unit/check_%.c,%,$(filter-out tests/unit/check_main.c,$(filter tests/unit/check_%.c,$(UNIT_SRCS))))
PROGS    := $(COMMANDS:%=$(B)/%)
MAN1     := $(wildcard man/*.1)
MAN5     := $(wildcard man/*.5)
MAN8     := $(wildcard man/*.8)

all: $(PROGS)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(call incs,$<) $(CFLAGS) -c -o $@ $<

# The installed catalogue's place is compiled into danelab: rebuild it when
# DATADIR (or PREFIX) changes, so `make install PREFIX=/usr` is consistent.
$(O)/datadir.stamp: FORCE
	@mkdir -p $(O)
	@echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' > $@
# (danelab.o: the catalogue; lab_mta.o: the known-deviations files.)
$(O)/lab/danelab.o $(O)/lab/mta/lab_mta.o: $(O)/datadir.stamp
$(O)/lab/danelab.o $(O)/lab/mta/lab_mta.o: CPPFLAGS += -DDANELAB_DATADIR='"$(DATADIR)"'

# $(1): the build directory; $(2): a layer folder.
define archive_rule
$(1)/$(2)/lib.a: $$(patsubst %.c,$(1)/%.o,$$(filter-out $$(MAINS),$$(wildcard $(2)/*.c)))
	@rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call archive_rule,$(O),$(l))))

define command_rule
$(B)/$(1): $(O)/$(MAIN_$(1):.c=.o) $(LIBS)
	@mkdir -p $(B)
	$(CC) $(LDFLAGS) -o $$@ $$^ $(LDLIBS)
endef
$(foreach c,$(COMMANDS),$(eval $(call command_rule,$(c))))

$(O)/tests/unit/suites.h: $(UNIT_SRCS)
	@mkdir -p $(dir $@)
	@printf 'SUITE(%s)\n' $(SUITES) > $@.tmp && mv $@.tmp $@

$(O)/tests/unit/check_main.o: $(O)/tests/unit/suites.h
$(O)/tests/unit/check_main.o: CPPFLAGS += -I$(O)/tests/unit

$(O)/tests/unit/unit: $(UNIT_OBJS) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# unit: one process per suite, UNIT_JOBS at a time (tests/unit/run-suites;
# logs in $(O)/unit/)
UNIT_JOBS ?= 2
unit: $(O)/tests/unit/unit
	tests/unit/run-suites $(O)/tests/unit/unit $(UNIT_JOBS) $(O)/unit $(SUITES)

# docs/rfc-trace.md: the RFC traceability table (t_trace.sh checks it is
# up to date); fails when a clause has no scenario or an ID is unknown.
trace: $(B)/danelab
	$(B)/danelab trace -o docs/rfc-trace.md

# Integration scripts run CHECK_JOBS at a time (tests/integration/run -j):
# most of their time is spent waiting on servers, MTA queue runs and
# timeouts, not on a core; scripts that need the host's loopback never overlap.
CHECK_JOBS ?= 2

integration: $(PROGS)
	DANELAB=$(abspath $(B)/danelab) tests/integration/run -j $(CHECK_JOBS)

check: $(PROGS) $(O)/tests/unit/unit
	@DANELAB_TEST_JOBS=$(CHECK_JOBS) UNIT_JOBS=$(UNIT_JOBS) tests/run-all $(abspath $(O)/tests/unit/unit) $(abspath $(B)/danelab) $(abspath $(O)/unit) $(SUITES)

# valgrind: each suite in its own valgrind, VALGRIND_JOBS at a time (one
# core each); logs in $(O)/valgrind/
# (VALGRIND_SUITES: a subset, default all; `make -s print-suites` lists them)
VALGRIND_JOBS ?= 2
VALGRIND_SUITES ?= $(SUITES)
valgrind: $(O)/tests/unit/unit
	tests/unit/run-suites --valgrind $(O)/tests/unit/unit $(VALGRIND_JOBS) $(O)/valgrind $(VALGRIND_SUITES)

print-suites:
	@echo $(SUITES)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DATADIR)/scenarios
	install -m 0755 $(PROGS) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	$(if $(MAN8),install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/)
	install -m 0644 lab/scenarios/*.yaml $(DESTDIR)$(DATADIR)/scenarios/
	install -d $(DESTDIR)$(DATADIR)/rfc
	install -m 0644 lab/rfc/clauses.txt $(DESTDIR)$(DATADIR)/rfc/
	install -d $(DESTDIR)$(DATADIR)/mta/postfix
	install -m 0644 lab/mta/postfix/known-deviations $(DESTDIR)$(DATADIR)/mta/postfix/
	install -d $(DESTDIR)$(DATADIR)/mta/exim
	install -m 0644 lab/mta/exim/known-deviations $(DESTDIR)$(DATADIR)/mta/exim/
	install -d $(DESTDIR)$(DATADIR)/mta/command
	install -m 0755 lab/mta/command/postfix-*.sh $(DESTDIR)$(DATADIR)/mta/command/

# libFuzzer harnesses (tests/fuzz/README): the library compiled again with
# clang and -fsanitize=fuzzer-no-link,address,undefined into build-fuzz/,
# each tests/fuzz/fuzz_NAME.c linked with -fsanitize=fuzzer. `make fuzz`
# runs each for FUZZ_SECONDS and fails on any crash, leak, timeout or OOM.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_O       := build-fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g -std=c11 $(WARN) -Wno-unknown-warning-option $(FUZZ_SAN) \
                $(PKG_CFLAGS)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_O)/%.o)
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_O)/%)

$(FUZZ_O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(call incs,$<) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(foreach l,$(LAYERS),$(eval $(call archive_rule,$(FUZZ_O),$(l))))
FUZZ_LIBS    := $(LIBS:$(O)/%=$(FUZZ_O)/%)

$(FUZZ_O)/fuzz_%: $(FUZZ_O)/tests/fuzz/fuzz_%.o $(FUZZ_LIBS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run $(FUZZ_BINS)

C_FILES  := $(foreach l,$(LAYERS),$(wildcard $(l)/*.[ch])) $(wildcard tests/unit/*.[ch] \
            tests/fuzz/*.c)

format:
	clang-format -i $(C_FILES)

# Fails when any C file is not as clang-format (.clang-format) would write it.
format-check:
	clang-format --dry-run --Werror $(C_FILES)

clean:
	rm -rf build build-san build-fuzz bin

# For tests/layering: each layer and the folders it may use, one a line.
print-layers:
	@$(foreach l,$(LAYERS),echo '$(l): $(USES_$(l))';)

FORCE:
.PHONY: print-layers print-suites all unit integration trace check valgrind install format format-check clean fuzz fuzz-build

-include $(LIB_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(MAINS:%.c=$(O)/%.d)
-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_SRCS:%.c=$(FUZZ_O)/%.d)
