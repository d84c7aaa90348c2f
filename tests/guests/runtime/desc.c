/* SPDX-License-Identifier: MIT */
/*
 * Descriptor tables and exception stubs for the system-level test guests;
 * see desc.h. Linked into every guest but inert until desc_init().
 */
#include "guest.h"
#include "desc.h"

uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(8)));
uint64_t idt[256] __attribute__((aligned(8)));
struct tss32_io tss __attribute__((aligned(128)));
volatile struct exc_info exc;
volatile uint32_t exc_resume;
volatile uint32_t exc_expect_eip;
int (*volatile exc_hook)(struct exc_frame *f);
uint32_t user_saved_esp;
static uint8_t kernel_stack[8192] __attribute__((aligned(16)));
static uint8_t user_stack[8192] __attribute__((aligned(16)));
uint8_t *const user_stack_top_p = user_stack + sizeof(user_stack);

void exc_handler(struct exc_frame *f);

/*
 * One 16-byte stub a vector: push a zero error code where the CPU pushes
 * none, push the vector, go to the common path, which saves the general
 * registers (and DS, ES, loading flat ring 0 data), calls exc_handler with
 * the frame and returns with IRET.
 */
__asm__(
    ".text\n"
    ".balign 16\n"
    ".globl exc_stubs\n"
    "exc_stubs:\n"
    ".set vec, 0\n"
    ".rept 256\n"
    ".balign 16\n"
    ".if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21)\n"
    ".else\n"
    "pushl $0\n"
    ".endif\n"
    "pushl $vec\n"
    "jmp exc_common\n"
    ".set vec, vec + 1\n"
    ".endr\n"
    "exc_common:\n"
    "pushl %ds\n"
    "pushl %es\n"
    "pushal\n"
    "movw $0x10, %ax\n"          /* null after v8086, RPL 3 after ring 3 */
    "movw %ax, %ds\n"
    "movw %ax, %es\n"
    "cld\n"
    "pushl %esp\n"
    "call exc_handler\n"
    "addl $4, %esp\n"
    "popal\n"
    "popl %es\n"
    "popl %ds\n"
    "addl $8, %esp\n"
    "iret\n"
    /* user_call(fn, eflags) */
    ".globl user_call\n"
    "user_call:\n"
    "pushl %ebp\n pushl %ebx\n pushl %esi\n pushl %edi\n"
    "movl %esp, user_saved_esp\n"
    "movl 20(%esp), %eax\n"
    "movl 24(%esp), %ecx\n"
    "pushl $0x23\n"
    "pushl user_stack_top_p\n"
    "pushl %ecx\n"
    "pushl $0x1b\n"
    "pushl %eax\n"
    "movw $0x23, %dx\n movw %dx, %ds\n movw %dx, %es\n"
    "iret\n"
    /* v86_call(cs, ip, ss, sp, ds, eflags): the arguments from 20(%eax) */
    ".globl v86_call\n"
    "v86_call:\n"
    "pushl %ebp\n pushl %ebx\n pushl %esi\n pushl %edi\n"
    "movl %esp, user_saved_esp\n"
    "movl %esp, %eax\n"
    "pushl $0\n pushl $0\n"                   /* GS, FS */
    "pushl 36(%eax)\n pushl 36(%eax)\n"       /* DS, ES */
    "pushl 28(%eax)\n pushl 32(%eax)\n"       /* SS, SP */
    "movl 40(%eax), %ecx\n orl $0x20000, %ecx\n pushl %ecx\n"
    "pushl 20(%eax)\n pushl 24(%eax)\n"       /* CS, IP */
    "iret\n"
    ".globl user_return\n"
    "user_return:\n"
    "movw $0x10, %ax\n movw %ax, %ds\n movw %ax, %es\n"
    "movl user_saved_esp, %esp\n"
    "popl %edi\n popl %esi\n popl %ebx\n popl %ebp\n"
    "ret\n");

void task_init(struct tss32 *t, uint16_t sel, void (*entry)(void), uint8_t *stack,
               uint32_t size)
{
    memset(t, 0, sizeof(*t));
    t->eip = (uint32_t)entry;
    t->esp = (uint32_t)(stack + size);
    t->eflags = 2;
    t->cs = SEL_CS0;
    t->ss = t->ds = t->es = t->fs = t->gs = SEL_DS0;
    t->cr3 = read_cr3();
    t->iomap = sizeof(*t);
    gdt[sel >> 3] = seg_desc((uint32_t)t, sizeof(*t) - 1, 0x89, 0);
}

void exc_clear(void)
{
    exc.vector = exc.error = exc.eip = exc.cs = exc.eflags = exc.cr2 = 0xdeadbeef;
    exc.count = 0;
}

void exc_handler(struct exc_frame *f)
{
    exc.vector = f->vector;
    exc.error = f->error;
    exc.eip = f->eip;
    exc.cs = f->cs;
    exc.eflags = f->eflags;
    if (f->vector == 14)
        exc.cr2 = read_cr2();
    exc.count++;
    if (exc_hook && exc_hook(f))
        return;
    if (f->vector == 0x80 && (f->cs & 3) == 3 && !(f->eflags & (1u << 17))) {
        user_return();
        return;
    }
    if (!exc_resume) {
        printf("FAIL: unexpected exception %u (error 0x%x) at 0x%x:0x%x\n",
               f->vector, f->error, f->cs, f->eip);
        guest_exit(3);
    }
    f->eip = exc_resume;
    exc_resume = 0;
}

uint64_t seg_desc(uint32_t base, uint32_t limit, uint32_t access, uint32_t flags)
{
    return (uint64_t)(limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) |
           ((uint64_t)(access & 0xff) << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
           ((uint64_t)(flags & 0xf) << 52) | ((uint64_t)(base >> 24) << 56);
}

void set_gate(unsigned vec, uint32_t handler, uint16_t sel, unsigned type_dpl)
{
    idt[vec] = (uint64_t)(handler & 0xffff) | ((uint64_t)sel << 16) |
               ((uint64_t)(type_dpl & 0xff) << 40) | ((uint64_t)(handler >> 16) << 48);
}

void set_gate_stub(unsigned vec, unsigned type_dpl)
{
    set_gate(vec, (uint32_t)(exc_stubs + 16 * vec), SEL_CS0, type_dpl);
}

void desc_init(void)
{
    gdt[0] = 0;
    gdt[1] = seg_desc(0, 0xfffff, 0x9a, 0xc);
    gdt[2] = seg_desc(0, 0xfffff, 0x92, 0xc);
    gdt[3] = seg_desc(0, 0xfffff, 0xfa, 0xc);
    gdt[4] = seg_desc(0, 0xfffff, 0xf2, 0xc);
    gdt[5] = seg_desc((uint32_t)&tss, sizeof(tss) - 1, 0x89, 0);
    gdt[6] = seg_desc(0, 0xfffff, 0x9a, 0xa);
    gdt[7] = seg_desc(0, 0xffff, 0x9a, 0);
    gdt[8] = seg_desc(0, 0xffff, 0x92, 0);
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) gdtr = {
        sizeof(gdt) - 1, (uint32_t)gdt,
    }, idtr = { sizeof(idt) - 1, (uint32_t)idt };

    __asm__ volatile("lgdt %0\n\t"
                     "ljmp $0x08, $1f\n"
                     "1:\n\t"
                     "movw $0x10, %%ax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%es\n\t"
                     "movw %%ax, %%fs\n\t"
                     "movw %%ax, %%gs\n\t"
                     "movw %%ax, %%ss"
                     : : "m"(gdtr) : "eax", "memory");
    memset(&tss, 0, sizeof(tss));
    tss.t.esp0 = (uint32_t)(kernel_stack + sizeof(kernel_stack));
    tss.t.ss0 = SEL_DS0;
    tss.t.iomap = sizeof(struct tss32);
    memset(tss.iomap, 0xff, sizeof(tss.iomap));
    __asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
    /* Interrupt gates; INT3, INTO and 0x80 callable from ring 3. */
    for (unsigned v = 0; v < 256; v++)
        set_gate_stub(v, (v == 3 || v == 4 || v == 0x80) ? 0xee : 0x8e);
    __asm__ volatile("lidt %0" : : "m"(idtr));
    exc_clear();
}
