# SPDX-License-Identifier: MIT
# Bare-metal test guests: each tests/guests/NAME.c (or NAME.S) becomes
# $(BUILD)/tests/guests/NAME.elf, a 32-bit multiboot ELF linked with the tiny
# runtime in tests/guests/runtime/. Built with the host's gcc in -m32
# freestanding mode (no multilib needed) and nasm where assembly is easier.
# The code must suit a CPU core that is young: no endbr32 (CET off), no
# unwind tables, and no memset/memcpy calls conjured out of the runtime's own
# loops (loop-distribute-patterns), which would recurse.

GUEST_CFLAGS := -m32 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
                -fno-builtin -nostdlib -O2 -g -Wall -Wextra -Werror -std=gnu11 \
                -mno-sse -mno-mmx -mno-80387 -Itests/guests/runtime \
                -fcf-protection=none -fno-asynchronous-unwind-tables \
                -fno-tree-loop-distribute-patterns
GUEST_LDFLAGS := -m elf_i386 -nostdlib -static -T tests/guests/runtime/guest.ld

GUEST_RT_SRCS := $(wildcard tests/guests/runtime/*.c tests/guests/runtime/*.S)
GUEST_RT_OBJS := $(patsubst %,$(BUILD)/%.o,$(GUEST_RT_SRCS))
GUEST_SRCS := $(wildcard tests/guests/*.c tests/guests/*.S)
GUEST_ELFS := $(patsubst tests/guests/%,$(BUILD)/tests/guests/%,$(basename $(GUEST_SRCS)))
GUEST_ELFS := $(GUEST_ELFS:%=%.elf)

guests: $(GUEST_ELFS)

$(BUILD)/tests/guests/%.c.o: tests/guests/%.c
	@mkdir -p $(dir $@)
	@echo "  GUESTCC $<"
	$(Q)$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tests/guests/%.S.o: tests/guests/%.S
	@mkdir -p $(dir $@)
	@echo "  GUESTAS $<"
	$(Q)$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tests/guests/%.elf: $(BUILD)/tests/guests/%.c.o $(GUEST_RT_OBJS) tests/guests/runtime/guest.ld
	@echo "  GUESTLD $@"
	$(Q)ld $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)

$(BUILD)/tests/guests/%.elf: $(BUILD)/tests/guests/%.S.o $(GUEST_RT_OBJS) tests/guests/runtime/guest.ld
	@echo "  GUESTLD $@"
	$(Q)ld $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)

# Benchmark guests (bench/guests/NAME.c), built the same way for make bench.
BENCH_GUEST_ELFS := $(patsubst bench/guests/%.c,$(BUILD)/bench/guests/%.elf,$(wildcard bench/guests/*.c))

$(BUILD)/bench/guests/%.c.o: bench/guests/%.c
	@mkdir -p $(dir $@)
	@echo "  GUESTCC $<"
	$(Q)$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bench/guests/%.elf: $(BUILD)/bench/guests/%.c.o $(GUEST_RT_OBJS) tests/guests/runtime/guest.ld
	@echo "  GUESTLD $@"
	$(Q)ld $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)
