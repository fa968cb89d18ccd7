# SPDX-License-Identifier: LGPL-2.1-or-later
# hvfs — see README.md.  `make run` and `make check` are the two commands a
# newcomer needs; both install what they need on Debian when run as root.

PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share/hvfs
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/hvfs
UNITDIR    ?= $(PREFIX)/lib/systemd/system
VERSION    := 0.1.0

CC         ?= cc
PKG_CONFIG ?= pkg-config

# --- configuration ----------------------------------------------------------
# What the build needs, found with pkg-config when make reads this file.  A
# missing required package stops every compile with the Debian package to
# install (config-check); Xen (xen:///) and libcgroup (lxc:///) are optional:
# without them hvfs builds without those drivers, and their URIs say so
# (docs/design.md, "Build configuration").  WITH_XEN=no / WITH_CGROUP=no
# leave them out even when installed.  `make run`, `make check` and
# `make bench` install the packages first and only then start a make that
# reads this again (see "the two commands" below).
have_pkgs   = $(shell $(PKG_CONFIG) --exists $(1) 2>/dev/null && echo yes)
# MODULE:DEBIAN-PACKAGE
REQUIRED    := fuse3:libfuse3-dev libxml-2.0:libxml2-dev json-c:libjson-c-dev
XEN_PKGS    := xencontrol xenstore xenlight xentoollog
CGROUP_PKGS := libcgroup
WITH_XEN    ?= auto
WITH_CGROUP ?= auto
override WITH_XEN    := $(if $(filter auto,$(WITH_XEN)),$(if $(call have_pkgs,$(XEN_PKGS)),yes,no),$(WITH_XEN))
override WITH_CGROUP := $(if $(filter auto,$(WITH_CGROUP)),$(if $(call have_pkgs,$(CGROUP_PKGS)),yes,no),$(WITH_CGROUP))
MISSING    := $(if $(shell command -v $(CC)),,gcc) \
              $(if $(shell command -v $(PKG_CONFIG)),,pkg-config) \
              $(foreach r,$(REQUIRED),$(if $(call have_pkgs,$(firstword $(subst :, ,$(r)))),,$(lastword $(subst :, ,$(r))))) \
              $(if $(filter yes,$(WITH_XEN)),$(if $(call have_pkgs,$(XEN_PKGS)),,libxen-dev)) \
              $(if $(filter yes,$(WITH_CGROUP)),$(if $(call have_pkgs,$(CGROUP_PKGS)),,libcgroup-dev))
MISSING    := $(strip $(MISSING))
PKGS       := fuse3 libxml-2.0 json-c $(if $(filter yes,$(WITH_XEN)),$(XEN_PKGS)) $(if $(filter yes,$(WITH_CGROUP)),$(CGROUP_PKGS))
FEATURES   := $(if $(filter yes,$(WITH_XEN)),-DHVFS_WITH_XEN) $(if $(filter yes,$(WITH_CGROUP)),-DHVFS_WITH_CGROUP)
PKG_CFLAGS := $(if $(MISSING),,$(shell $(PKG_CONFIG) --cflags $(PKGS)))
PKG_LIBS   := $(if $(MISSING),,$(shell $(PKG_CONFIG) --libs $(PKGS)))
WARN       := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS     ?= -O2 -g
ALL_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE -DHVFS_VERSION='"$(VERSION)"' $(FEATURES) -pthread -I. $(PKG_CFLAGS) $(CFLAGS)
LIBS       := $(PKG_LIBS) -lpthread
SAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1 -g
TSAN_FLAGS := -fsanitize=thread -O1 -g

# Everything but fs/ forms the core that unit tests link against: drivers
# never see FUSE, so their tests need none either.
CORE_SRC   := $(wildcard util/*.c) $(wildcard schema/*.c) $(wildcard drivers/*.c) \
              $(wildcard drivers/conf/*.c) $(wildcard drivers/nodedev/*.c) $(wildcard drivers/test/*.c) \
              $(wildcard drivers/qemu/*.c) \
              $(if $(filter yes,$(WITH_CGROUP)),$(wildcard cgroupctl/*.c) $(wildcard drivers/container/*.c)) \
              $(if $(filter yes,$(WITH_XEN)),$(wildcard drivers/xen/*.c))
CORE_ASM   := schema/schemas.S
FS_SRC     := $(wildcard fs/*.c)
# The unit tests of an optional backend are built with it.
UNIT_SRC   := $(filter-out $(if $(filter yes,$(WITH_CGROUP)),,tests/unit/test_cgroupctl.c tests/unit/test_container%) \
                           $(if $(filter yes,$(WITH_XEN)),,tests/unit/test_xen_%),$(wildcard tests/unit/test_*.c))
SCHEMAS    := $(wildcard schema/*.rng)

B          := build
CORE_OBJ   := $(CORE_SRC:%.c=$(B)/%.o) $(CORE_ASM:%.S=$(B)/%.o)
FS_OBJ     := $(FS_SRC:%.c=$(B)/%.o)
SAN_CORE   := $(CORE_SRC:%.c=$(B)/san/%.o) $(CORE_ASM:%.S=$(B)/san/%.o)
SAN_FS     := $(FS_SRC:%.c=$(B)/san/%.o)
TSAN_CORE  := $(CORE_SRC:%.c=$(B)/tsan/%.o) $(CORE_ASM:%.S=$(B)/tsan/%.o)
# Unit tests whose threads race on purpose: also run under ThreadSanitizer.
TSAN_UNIT  := $(if $(filter yes,$(WITH_XEN)),$(B)/tsan/unit/test_xen_watch)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
TOOL_BIN   := $(patsubst tests/tools/%.c,$(B)/tools/%,$(wildcard tests/tools/*.c))
BENCH_BIN  := $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/*.c))

.PHONY: FORCE config-check bench all san deps test-deps run check check-unit check-bats check-san check-tsan check-xen format \
        format-check \
        install uninstall clean stop

all: $(B)/hvfs $(if $(filter yes,$(WITH_CGROUP)),$(B)/bin/cgroupctl) $(UNIT_BIN) $(TOOL_BIN) $(BENCH_BIN)
san: $(B)/san/hvfs

$(B)/%.o: %.c $(B)/config.stamp | config-check
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@
$(B)/%.o: %.S $(SCHEMAS) | config-check
	@mkdir -p $(dir $@)
	$(CC) -I. -c $< -o $@
$(B)/san/%.o: %.c $(B)/config.stamp | config-check
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@
$(B)/san/%.o: %.S $(SCHEMAS) | config-check
	@mkdir -p $(dir $@)
	$(CC) -I. -c $< -o $@

$(B)/tsan/%.o: %.c $(B)/config.stamp | config-check
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TSAN_FLAGS) -MMD -MP -c $< -o $@
$(B)/tsan/%.o: %.S $(SCHEMAS) | config-check
	@mkdir -p $(dir $@)
	$(CC) -I. -c $< -o $@
$(B)/tsan/libhvcore.a: $(TSAN_CORE)
	ar rcs $@ $^
$(B)/tsan/unit/%: tests/unit/%.c $(B)/tsan/libhvcore.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TSAN_FLAGS) -o $@ $< $(B)/tsan/libhvcore.a $(LIBS)

# Stops the build before the first compile when something is missing,
# naming the Debian packages (the compiler's "fuse_lowlevel.h: No such
# file" would not).
config-check:
ifneq ($(MISSING),)
	@echo "hvfs: cannot build: missing Debian packages: $(MISSING)" >&2
	@echo "hvfs: 'make deps' installs them (as root), or: apt-get install $(MISSING)" >&2
	@exit 1
endif
# Rewritten only when the configuration changes (a backend found or lost, new
# flags), so that the objects built with the old one are rebuilt.
CONFIG_LINE := $(CC) $(ALL_CFLAGS)
$(B)/config.stamp: FORCE
	@mkdir -p $(B)
	@echo '$(CONFIG_LINE)' | cmp -s - $@ || echo '$(CONFIG_LINE)' >$@
FORCE:

$(B)/libhvcore.a: $(CORE_OBJ)
	ar rcs $@ $^
$(B)/san/libhvcore.a: $(SAN_CORE)
	ar rcs $@ $^

$(B)/hvfs: $(FS_OBJ) $(B)/libhvcore.a
	$(CC) $(ALL_CFLAGS) -o $@ $(FS_OBJ) $(B)/libhvcore.a $(LIBS)
$(B)/san/hvfs: $(SAN_FS) $(B)/san/libhvcore.a
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $(SAN_FS) $(B)/san/libhvcore.a $(LIBS)

# The cgroupctl inspection tool (cgroupctl/tool/: outside CORE_SRC, it has a main;
# build/cgroupctl/ holds the library objects, so the program goes to build/bin/).
$(B)/bin/cgroupctl: cgroupctl/tool/cgroupctl_cli.c $(B)/libhvcore.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libhvcore.a $(LIBS)

$(B)/unit/%: tests/unit/%.c $(B)/libhvcore.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libhvcore.a $(LIBS)

# fs/ in-process, without its main(), for the unit tests of fs/ (test_fs_*).
$(B)/libhvfs.a: $(filter-out $(B)/fs/main.o,$(FS_OBJ))
	ar rcs $@ $^
$(B)/unit/test_fs_%: tests/unit/test_fs_%.c $(B)/libhvfs.a $(B)/libhvcore.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libhvfs.a $(B)/libhvcore.a $(LIBS)

# Small programs the bats suites drive (poll(2) needs C), and benchmarks.
$(B)/tools/%: tests/tools/%.c | config-check
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O2 -o $@ $<
$(B)/bench/%: bench/%.c | config-check
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -D_GNU_SOURCE -O2 -o $@ $<

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# --- set-up ---------------------------------------------------------------
# INSTALL_DEPS: the installer (tests/build/ replaces it to act out a fresh machine).
INSTALL_DEPS ?= tools/install-deps.sh
deps:
	@$(INSTALL_DEPS) build
test-deps:
	@$(INSTALL_DEPS) test

# --- the two commands -------------------------------------------------------
MNT ?= /tmp/hvfs-demo
# Each builds in a second make, started after the packages are installed: this
# make read the configuration above before they were there.
run: deps
	@$(MAKE) --no-print-directory all
	@tools/run-demo.sh $(B)/hvfs $(MNT)
stop:
	-fusermount3 -u $(MNT)

check: test-deps
	@$(MAKE) --no-print-directory all san
	@tests/run.sh

check-unit: all
	@tests/run.sh unit
check-bats: all
	@tests/run.sh bats
check-san: all san
	@tests/run.sh san
# The concurrent rescans of the Xen driver (no Xen needed), under TSan.
check-tsan: $(TSAN_UNIT)
	@set -e; for t in $(TSAN_UNIT); do TSAN_OPTIONS=halt_on_error=1 $$t >/dev/null; echo "$$t: ok"; done
# Boots a real Xen host under QEMU and runs tests/xen/suite inside its dom0
# (see docs/testing-xen.md); installs what it needs on Debian as root.
check-xen: all
	@tools/install-deps.sh xen
	@tests/run.sh xen

bench: deps
	@$(MAKE) --no-print-directory all
	@bench/run.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
format-check:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

# --- install ----------------------------------------------------------------
install: $(B)/hvfs
	install -D -m 0755 $(B)/hvfs $(DESTDIR)$(BINDIR)/hvfs
	install -d $(DESTDIR)$(DATADIR)/schema
	install -m 0644 $(SCHEMAS) $(DESTDIR)$(DATADIR)/schema/
	install -D -m 0644 docs/hvfs.1 $(DESTDIR)$(MANDIR)/man1/hvfs.1
	install -D -m 0644 docs/paths.md $(DESTDIR)$(DOCDIR)/paths.md
	sed 's|@BINDIR@|$(BINDIR)|g' tools/hvfs.service.in > $(B)/hvfs.service
	install -D -m 0644 $(B)/hvfs.service $(DESTDIR)$(UNITDIR)/hvfs.service
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/hvfs $(DESTDIR)$(MANDIR)/man1/hvfs.1 $(DESTDIR)$(UNITDIR)/hvfs.service
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)

clean:
	rm -rf $(B)
