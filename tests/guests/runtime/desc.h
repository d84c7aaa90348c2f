/* SPDX-License-Identifier: MIT */
/*
 * Descriptor tables for the system-level test guests (sys-*.c): a GDT with
 * ring 0 and ring 3 flat code/data, a 32-bit TSS with a full I/O permission
 * bitmap, and an IDT whose 256 entries lead to small per-vector stubs.
 * The common handler records the vector, error code, pushed CS:EIP and
 * EFLAGS (and CR2 for #PF) in `exc`, then resumes at `exc_resume` (a guest
 * sets it just before an instruction that should fault, see EXPECT_FAULT),
 * or hands the frame to `exc_hook`; anything else fails the guest.
 * Nothing here runs until a guest calls desc_init().
 */
#ifndef DESC_H
#define DESC_H

#include <stdint.h>

#define SEL_CS0   0x08          /* flat 32-bit code, DPL 0 */
#define SEL_DS0   0x10          /* flat data, DPL 0 */
#define SEL_CS3   0x1b          /* flat 32-bit code, DPL 3 (RPL 3) */
#define SEL_DS3   0x23          /* flat data, DPL 3 (RPL 3) */
#define SEL_TSS   0x28          /* the 32-bit TSS */
#define SEL_CS64  0x30          /* 64-bit code, DPL 0 */
#define SEL_CS16  0x38          /* 16-bit code, base 0, limit 64 KiB */
#define SEL_DS16  0x40          /* 16-bit data, base 0, limit 64 KiB */
#define SEL_FREE  0x48          /* entries 9..31 are the guest's own */
#define GDT_ENTRIES 32

struct tss32 {
    uint16_t link, r0;
    uint32_t esp0; uint16_t ss0, r1;
    uint32_t esp1; uint16_t ss1, r2;
    uint32_t esp2; uint16_t ss2, r3;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint16_t es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10;
    uint16_t trap, iomap;
} __attribute__((packed));

struct tss32_io {
    struct tss32 t;
    uint8_t iomap[8192 + 1];    /* one bit a port, then the 0xff end byte */
} __attribute__((packed));

/* What the stubs push: pushal, DS/ES, vector and error code, then the CPU's. */
struct exc_frame {
    uint32_t edi, esi, ebp, esp_, ebx, edx, ecx, eax;
    uint32_t saved_es, saved_ds;
    uint32_t vector, error;
    uint32_t eip, cs, eflags;
    uint32_t esp, ss;           /* only from ring 3 (or v8086) */
    uint32_t es, ds, fs, gs;    /* only from v8086 */
};

struct exc_info {
    uint32_t vector, error, eip, cs, eflags, cr2, count;
};

extern uint64_t gdt[GDT_ENTRIES];
extern uint64_t idt[256];
extern struct tss32_io tss;
extern volatile struct exc_info exc;
extern volatile uint32_t exc_resume;        /* where to go after a fault */
extern volatile uint32_t exc_expect_eip;    /* set by EXPECT_FAULT */
/* Called first for every exception; return nonzero if it dealt with it. */
extern int (*volatile exc_hook)(struct exc_frame *f);
extern uint8_t exc_stubs[];                 /* vector v's stub at +16*v */

void desc_init(void);
uint64_t seg_desc(uint32_t base, uint32_t limit, uint32_t access, uint32_t flags);
void set_gate(unsigned vec, uint32_t handler, uint16_t sel, unsigned type_dpl);
void set_gate_stub(unsigned vec, unsigned type_dpl);   /* back to the stub */
/* Run fn at ring 3 (CS3/DS3, user stack, EFLAGS.IOPL as given); fn ends
 * with "int $0x80", which returns here at ring 0. */
void user_call(void (*fn)(void), uint32_t eflags);
void exc_clear(void);
/* Enter virtual-8086 mode at cs:ip on ss:sp with DS = ES = ds, FS = GS =
 * 0 and eflags (VM added); a handler ends it with user_return(). */
void v86_call(uint32_t cs, uint32_t ip, uint32_t ss, uint32_t sp, uint32_t ds,
              uint32_t eflags);
/* Make t a ring 0 task (flat segments, this CR3) starting at entry on
 * stack[0..size), described by the GDT entry sel. */
void task_init(struct tss32 *t, uint16_t sel, void (*entry)(void), uint8_t *stack,
               uint32_t size);
/* From an exception handler: abandon the frame and return from the
 * user_call (or v8086 entry) that started the ring 3 code. */
void user_return(void);
extern uint32_t user_saved_esp;

/*
 * In an asm string: arm the handler to resume after insn and note insn's
 * address in exc_expect_eip. A fault pushes that address; a trap pushes the
 * resume address (label 1).
 */
#define EXPECT_FAULT(insn)                                                   \
    "movl $1f, exc_resume\n\t"                                               \
    "movl $2f, exc_expect_eip\n"                                             \
    "2:\t" insn "\n"                                                         \
    "1:\n\t"

static inline uint32_t read_cr0(void) { uint32_t v; __asm__ volatile("mov %%cr0,%0" : "=r"(v)); return v; }
static inline uint32_t read_cr2(void) { uint32_t v; __asm__ volatile("mov %%cr2,%0" : "=r"(v)); return v; }
static inline uint32_t read_cr3(void) { uint32_t v; __asm__ volatile("mov %%cr3,%0" : "=r"(v)); return v; }
static inline uint32_t read_cr4(void) { uint32_t v; __asm__ volatile("mov %%cr4,%0" : "=r"(v)); return v; }
static inline void write_cr0(uint32_t v) { __asm__ volatile("mov %0,%%cr0" : : "r"(v) : "memory"); }
static inline void write_cr3(uint32_t v) { __asm__ volatile("mov %0,%%cr3" : : "r"(v) : "memory"); }
static inline void write_cr4(uint32_t v) { __asm__ volatile("mov %0,%%cr4" : : "r"(v) : "memory"); }
static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline uint32_t read_eflags(void)
{
    uint32_t v;
    __asm__ volatile("pushfl; popl %0" : "=r"(v));
    return v;
}

#endif
