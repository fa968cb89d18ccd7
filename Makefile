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
PKGS       := fuse3 libxml-2.0 libcgroup xencontrol xenstore xenlight xentoollog
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN       := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS     ?= -O2 -g
ALL_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE -DHVFS_VERSION='"$(VERSION)"' -pthread -I. $(PKG_CFLAGS) $(CFLAGS)
LIBS       := $(PKG_LIBS) -lpthread
SAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1 -g
TSAN_FLAGS := -fsanitize=thread -O1 -g

# Everything but fs/ forms the core that unit tests link against: drivers
# never see FUSE, so their tests need none either.
CORE_SRC   := $(wildcard util/*.c) $(wildcard schema/*.c) $(wildcard cgroupctl/*.c) $(wildcard drivers/*.c) \
              $(wildcard drivers/conf/*.c) $(wildcard drivers/container/*.c) $(wildcard drivers/nodedev/*.c) \
              $(wildcard drivers/test/*.c) $(wildcard drivers/xen/*.c)
CORE_ASM   := schema/schemas.S
FS_SRC     := $(wildcard fs/*.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
SCHEMAS    := $(wildcard schema/*.rng)

B          := build
CORE_OBJ   := $(CORE_SRC:%.c=$(B)/%.o) $(CORE_ASM:%.S=$(B)/%.o)
FS_OBJ     := $(FS_SRC:%.c=$(B)/%.o)
SAN_CORE   := $(CORE_SRC:%.c=$(B)/san/%.o) $(CORE_ASM:%.S=$(B)/san/%.o)
SAN_FS     := $(FS_SRC:%.c=$(B)/san/%.o)
TSAN_CORE  := $(CORE_SRC:%.c=$(B)/tsan/%.o) $(CORE_ASM:%.S=$(B)/tsan/%.o)
# Unit tests whose threads race on purpose: also run under ThreadSanitizer.
TSAN_UNIT  := $(B)/tsan/unit/test_xen_watch
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
TOOL_BIN   := $(patsubst tests/tools/%.c,$(B)/tools/%,$(wildcard tests/tools/*.c))
BENCH_BIN  := $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/*.c))

.PHONY: bench all san deps test-deps run check check-unit check-bats check-san check-tsan check-xen format \
        format-check \
        install uninstall clean stop

all: $(B)/hvfs $(B)/bin/cgroupctl $(UNIT_BIN) $(TOOL_BIN) $(BENCH_BIN)
san: $(B)/san/hvfs

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@
$(B)/%.o: %.S $(SCHEMAS)
	@mkdir -p $(dir $@)
	$(CC) -I. -c $< -o $@
$(B)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@
$(B)/san/%.o: %.S $(SCHEMAS)
	@mkdir -p $(dir $@)
	$(CC) -I. -c $< -o $@

$(B)/tsan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TSAN_FLAGS) -MMD -MP -c $< -o $@
$(B)/tsan/%.o: %.S $(SCHEMAS)
	@mkdir -p $(dir $@)
	$(CC) -I. -c $< -o $@
$(B)/tsan/libhvcore.a: $(TSAN_CORE)
	ar rcs $@ $^
$(B)/tsan/unit/%: tests/unit/%.c $(B)/tsan/libhvcore.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TSAN_FLAGS) -o $@ $< $(B)/tsan/libhvcore.a $(LIBS)

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

# Small programs the bats suites drive (poll(2) needs C), and benchmarks.
$(B)/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O2 -o $@ $<
$(B)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -D_GNU_SOURCE -O2 -o $@ $<

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# --- set-up ---------------------------------------------------------------
deps:
	@tools/install-deps.sh build
test-deps:
	@tools/install-deps.sh test

# --- the two commands -------------------------------------------------------
MNT ?= /tmp/hvfs-demo
run: deps all
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

bench: deps all $(BENCH_BIN)
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
