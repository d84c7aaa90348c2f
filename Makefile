# SPDX-License-Identifier: MIT
# tandem's build. Objects go under $(BUILD) (default build/); configure
# writes $(BUILD)/config.mak. Sources are found by module folder, so adding a
# file to a module needs no edit here.

BUILD ?= build
Q := @
ifeq ($(V),1)
Q :=
endif

CONFIGURED := $(wildcard $(BUILD)/config.mak)

ifeq ($(CONFIGURED),)
# Not configured yet: check and demo set everything up themselves (one
# command on a fresh Debian machine); other targets configure without
# installing, which stops with the apt-get line if something is missing.
.PHONY: all check demo bench install clean check-fast
check demo:
	./configure --install-deps --builddir=$(BUILD)
	$(MAKE) BUILD=$(BUILD) $@
all bench install check-fast:
	./configure --builddir=$(BUILD)
	$(MAKE) BUILD=$(BUILD) $@
clean:
	rm -rf $(BUILD)
else
include $(BUILD)/config.mak

.DEFAULT_GOAL := all
# Keep intermediate objects (unit-main.o, guest objects) between runs.
.SECONDARY:
.PHONY: all check check-fast demo bench install clean guests unit

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wmissing-prototypes -Wstrict-prototypes
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -I. -D_GNU_SOURCE $(LIB_CFLAGS) -MMD -MP
ALL_LDFLAGS := $(LDFLAGS) $(EXTRA_LDFLAGS)

MODULES := softmmu cpu/x86 accel accel/tcg accel/kvm hw/core hw/pc hw/char \
           hw/misc hw/intc hw/timer hw/pci hw/ide hw/input hw/virtio hw/net \
           hw/display hw/acpi block net ui
SRCS := $(foreach m,$(MODULES),$(wildcard $(m)/*.c))
ifneq ($(CONFIG_SDL),yes)
SRCS := $(filter-out ui/sdl%.c,$(SRCS))
endif
ifneq ($(CONFIG_SLIRP),yes)
SRCS := $(filter-out net/slirp%.c,$(SRCS))
endif
MAIN_SRC := softmmu/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
# Option ROMs (hw/pc/optionrom/NAME.S): 16-bit code assembled with the host
# toolchain, linked flat at 0, embedded as the C array pc_optionrom_NAME.
OPTIONROMS := $(basename $(notdir $(wildcard hw/pc/optionrom/*.S)))
LIB_OBJS += $(OPTIONROMS:%=$(BUILD)/hw/pc/optionrom/%-rom.o)
LIBTANDEM := $(BUILD)/libtandem.a
TANDEM := $(BUILD)/tandem

ifeq ($(CONFIG_SDL),yes)
ALL_CFLAGS += -DCONFIG_SDL=1
endif
ifeq ($(CONFIG_SLIRP),yes)
ALL_CFLAGS += -DCONFIG_SLIRP=1
endif

UNIT_SRCS := $(wildcard tests/unit/test-*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)

all: $(TANDEM) unit guests

$(BUILD)/%.o: %.c $(BUILD)/config.mak
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/hw/pc/optionrom/%.o: hw/pc/optionrom/%.S $(BUILD)/config.mak
	@mkdir -p $(dir $@)
	@echo "  ROMAS   $<"
	$(Q)$(CC) -m32 -c $< -o $@

$(BUILD)/hw/pc/optionrom/%.bin: $(BUILD)/hw/pc/optionrom/%.o
	@echo "  ROMLD   $@"
	$(Q)ld -m elf_i386 -Ttext 0 -e 0 --oformat binary -o $@ $<

$(BUILD)/hw/pc/optionrom/%-rom.c: $(BUILD)/hw/pc/optionrom/%.bin scripts/bin2c.sh
	$(Q)scripts/bin2c.sh $< pc_optionrom_$* hw/pc/optionrom.h > $@.tmp && mv $@.tmp $@

$(BUILD)/hw/pc/optionrom/%-rom.o: $(BUILD)/hw/pc/optionrom/%-rom.c
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBTANDEM): $(LIB_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(TANDEM): $(BUILD)/$(MAIN_SRC:.c=.o) $(LIBTANDEM)
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/unit/%.o: tests/unit/%.c $(BUILD)/config.mak
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(CUNIT_CFLAGS) -c $< -o $@

# The shared Machine fixture goes in as an archive: only the tests that call
# it pull it (and what it uses of libtandem.a) in, so the others keep their
# weak stand-ins for the parts of the tree they do not link.
$(BUILD)/tests/unit/libunit.a: $(BUILD)/tests/unit/unit-machine.o \
                              $(BUILD)/tests/unit/unit-machine-pc.o \
                              $(BUILD)/tests/unit/x86-diff-common.o
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/unit/test-%: $(BUILD)/tests/unit/test-%.o $(BUILD)/tests/unit/unit-main.o \
                        $(BUILD)/tests/unit/libunit.a $(LIBTANDEM)
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CUNIT_LIBS) $(LIBS)

unit: $(UNIT_BINS)

include tests/guests/guests.mk

# The whole suite: unit tests, bare-metal guests, integration boots.
check: all
	$(Q)tests/run-tests.sh $(BUILD) all

# What CI repeats under the sanitizers: everything but the slow boots.
check-fast: all
	$(Q)tests/run-tests.sh $(BUILD) fast

demo: all
	$(Q)scripts/demo.sh $(BUILD)

bench: all $(BENCH_GUEST_ELFS)
	$(Q)bench/run.sh $(BUILD)

install: $(TANDEM)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(TANDEM) $(DESTDIR)$(PREFIX)/bin/tandem

clean:
	rm -rf $(BUILD)/*.a $(BUILD)/tandem $(foreach m,$(MODULES) tests,$(BUILD)/$(m))

-include $(shell find $(BUILD) -path $(BUILD)/images -prune -o -name '*.d' -type f -print 2>/dev/null)
endif
