/* SPDX-License-Identifier: MIT */
/*
 * pc-testdev's interrupt lines (port 0x2000 + n) seen by the CPU, through
 * both of the PC's paths:
 *
 *  1. the 8259: line 5 edge-triggered (ELCR cleared), vector 0x25, reaching
 *     the CPU through the local APIC's LINT0 in ExtINT mode; a line held
 *     high after EOI does not interrupt again, a new edge does;
 *  2. the IOAPIC, with the 8259 masked: line 5 edge-triggered to vector
 *     0x45, then line 10 level-triggered to vector 0x4a, whose handler
 *     leaves the line high twice, so the EOI must bring the interrupt back
 *     (Remote IRR), and lowers it the third time, after which it stays
 *     quiet.
 *
 * The guest loads its own GDT first (multiboot leaves GDTR undefined, and
 * delivering an interrupt reads the gate's code descriptor from it), then
 * its own IDT, and sets up the 8259, the local APIC and the IOAPIC itself,
 * so it assumes nothing of firmware (under QEMU, SeaBIOS has run first;
 * under tandem, nothing has).
 */
#include "guest.h"

#define TESTDEV_IRQ_PORT 0x2000
#define PIC1 0x20
#define PIC2 0xa0
#define ELCR1 0x4d0
#define ELCR2 0x4d1
#define LAPIC 0xfee00000u
#define LAPIC_ID    0x20
#define LAPIC_TPR   0x80
#define LAPIC_EOI   0xb0
#define LAPIC_SVR   0xf0
#define LAPIC_LINT0 0x350
#define IOAPIC 0xfec00000u

#define VEC_PIC_LINE5    0x25
#define VEC_IOAPIC_EDGE  0x45
#define VEC_IOAPIC_LEVEL 0x4a
#define VEC_SPURIOUS     0xff

struct idt_gate {
    uint16_t off_lo, sel;
    uint8_t zero, type;
    uint16_t off_hi;
} __attribute__((packed));

#define GUEST_CS 0x08
#define GUEST_DS 0x10

static struct idt_gate idt[256] __attribute__((aligned(8)));
/* Null, flat 32-bit code, flat data. */
static const uint64_t gdt[3] __attribute__((aligned(8))) = {
    0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull,
};
static volatile unsigned pic_count, edge_count, level_count;
static volatile unsigned level_drop_at;

/* Entry stubs: save the caller-saved registers, call C, return. */
#define ISR_STUB(name, fn)                                                 \
    void name(void);                                                       \
    __asm__(".text\n.globl " #name "\n" #name ":\n"                        \
            "pushal\ncld\ncall " #fn "\npopal\niret\n")

void isr_pic_c(void);
void isr_edge_c(void);
void isr_level_c(void);
void isr_other_c(void);
ISR_STUB(isr_pic, isr_pic_c);
ISR_STUB(isr_edge, isr_edge_c);
ISR_STUB(isr_level, isr_level_c);
ISR_STUB(isr_other, isr_other_c);
void isr_spurious(void);
__asm__(".text\n.globl isr_spurious\nisr_spurious:\niret\n");

static void lapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)(LAPIC + reg) = v;
}

static uint32_t lapic_read(uint32_t reg)
{
    return *(volatile uint32_t *)(LAPIC + reg);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)IOAPIC = reg;
    *(volatile uint32_t *)(IOAPIC + 0x10) = v;
}

static void set_line(unsigned n, int level)
{
    outb(TESTDEV_IRQ_PORT + n, (uint8_t)level);
}

void isr_pic_c(void)
{
    pic_count++;
    outb(PIC1, 0x20);           /* non-specific EOI; the line stays high */
}

void isr_edge_c(void)
{
    edge_count++;
    lapic_write(LAPIC_EOI, 0);
}

void isr_level_c(void)
{
    if (++level_count >= level_drop_at)
        set_line(10, 0);
    lapic_write(LAPIC_EOI, 0);
}

void isr_other_c(void)
{
    printf("FAIL: unexpected interrupt or exception\n");
    guest_exit(2);
}

static void setup_gdt(void)
{
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) gdtr = {
        sizeof(gdt) - 1, (uint32_t)gdt,
    };

    __asm__ volatile("lgdt %0\n\t"
                     "ljmp %1, $1f\n"
                     "1:\n\t"
                     "mov %2, %%ax\n\t"
                     "mov %%ax, %%ds\n\t"
                     "mov %%ax, %%es\n\t"
                     "mov %%ax, %%fs\n\t"
                     "mov %%ax, %%gs\n\t"
                     "mov %%ax, %%ss"
                     : : "m"(gdtr), "i"(GUEST_CS), "i"(GUEST_DS) : "eax", "memory");
}

static void set_gate(unsigned vec, void (*fn)(void), uint16_t cs)
{
    uint32_t a = (uint32_t)fn;
    idt[vec] = (struct idt_gate){ (uint16_t)a, cs, 0, 0x8e, (uint16_t)(a >> 16) };
}

static void setup_idt(void)
{
    uint16_t cs = GUEST_CS;
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr;

    for (unsigned v = 0; v < 256; v++)
        set_gate(v, isr_other, cs);
    set_gate(VEC_PIC_LINE5, isr_pic, cs);
    set_gate(VEC_IOAPIC_EDGE, isr_edge, cs);
    set_gate(VEC_IOAPIC_LEVEL, isr_level, cs);
    set_gate(VEC_SPURIOUS, isr_spurious, cs);
    set_gate(0x27, isr_spurious, cs);       /* the 8259's spurious IRQ7 */
    idtr.limit = sizeof(idt) - 1;
    idtr.base = (uint32_t)idt;
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

/* Both 8259s at 0x20/0x28, everything masked and edge-triggered. */
static void setup_pic(void)
{
    outb(PIC1, 0x11);
    outb(PIC1 + 1, 0x20);
    outb(PIC1 + 1, 0x04);
    outb(PIC1 + 1, 0x01);
    outb(PIC2, 0x11);
    outb(PIC2 + 1, 0x28);
    outb(PIC2 + 1, 0x02);
    outb(PIC2 + 1, 0x01);
    outb(PIC1 + 1, 0xff);
    outb(PIC2 + 1, 0xff);
    outb(ELCR1, 0);
    outb(ELCR2, 0);
}

static void setup_lapic(void)
{
    lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);   /* software-enabled */
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LINT0, 0x700);                /* ExtINT: the 8259 */
}

/* Let interrupts in until *count reaches want (or give up). */
static unsigned wait_for(volatile unsigned *count, unsigned want)
{
    __asm__ volatile("sti");
    for (unsigned spins = 0; spins < 2000000 && *count < want; spins++)
        __asm__ volatile("pause");
    /* A little longer, so that an extra interrupt would show. */
    for (unsigned spins = 0; spins < 20000; spins++)
        __asm__ volatile("pause");
    __asm__ volatile("cli");
    return *count;
}

static void test_pic(void)
{
    outb(PIC1 + 1, (uint8_t)~(1u << 5));
    set_line(5, 1);
    GUEST_ASSERT(wait_for(&pic_count, 1) == 1);
    /* Still high after EOI: edge-triggered, so no second interrupt. */
    GUEST_ASSERT(wait_for(&pic_count, 2) == 1);
    set_line(5, 0);
    set_line(5, 1);
    GUEST_ASSERT(wait_for(&pic_count, 2) == 2);
    set_line(5, 0);
    outb(PIC1 + 1, 0xff);
    puts("pc-testdev-irq: line 5 through the 8259 ok");
}

static void test_ioapic(void)
{
    uint32_t dest = lapic_read(LAPIC_ID) >> 24;

    /* Edge, pin 5. */
    ioapic_write(0x10 + 2 * 5 + 1, dest << 24);
    ioapic_write(0x10 + 2 * 5, VEC_IOAPIC_EDGE);
    set_line(5, 1);
    GUEST_ASSERT(wait_for(&edge_count, 1) == 1);
    set_line(5, 0);
    set_line(5, 1);
    GUEST_ASSERT(wait_for(&edge_count, 2) == 2);
    set_line(5, 0);
    ioapic_write(0x10 + 2 * 5, 1u << 16);           /* masked again */
    puts("pc-testdev-irq: line 5 through the IOAPIC (edge) ok");

    /* Level, pin 10: re-delivered after EOI while the line is high. */
    level_drop_at = 3;
    ioapic_write(0x10 + 2 * 10 + 1, dest << 24);
    ioapic_write(0x10 + 2 * 10, (1u << 15) | VEC_IOAPIC_LEVEL);
    set_line(10, 1);
    GUEST_ASSERT(wait_for(&level_count, 3) == 3);
    GUEST_ASSERT(wait_for(&level_count, 4) == 3);
    /* A new assertion is a new interrupt. */
    level_drop_at = 4;
    set_line(10, 1);
    GUEST_ASSERT(wait_for(&level_count, 4) == 4);
    GUEST_ASSERT(wait_for(&level_count, 5) == 4);
    ioapic_write(0x10 + 2 * 10, 1u << 16);
    puts("pc-testdev-irq: line 10 through the IOAPIC (level) ok");
}

int guest_main(void)
{
    setup_gdt();
    setup_idt();
    setup_pic();
    setup_lapic();
    test_pic();
    test_ioapic();
    return 0;
}
