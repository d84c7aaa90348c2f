/* SPDX-License-Identifier: MIT */
/*
 * Port I/O: IN/OUT and the permission check shared with INS/OUTS.
 *
 * Accesses go to the machine's I/O address space through the memory API,
 * with the big lock held around each one (device callbacks assume it). The
 * check follows the SDM: in protected mode with CPL > IOPL, and always in
 * virtual-8086 mode, every byte of the access must be allowed by the I/O
 * permission bitmap of the current 32/64-bit TSS, else #GP(0).
 */
#include "cpu/x86/x86.h"
#include "softmmu/log.h"
#include "softmmu/machine.h"
#include "softmmu/main-loop.h"

void x86_check_io(X86CPU *cpu, uint16_t port, unsigned size)
{
    X86CPUState *s = cpu->s;
    if (!cpu->pe)
        return;
    if (!cpu->vm86 && cpu->cpl <= ((s->rflags >> 12) & 3))
        return;
    unsigned type = s->tr.attrib & 0xf;
    if (!(s->tr.attrib & SEG_ATTR_P) || (type != 9 && type != 11) || s->tr.limit < 103)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    uint64_t base = x86_ld_kernel(cpu, s->tr.base + 0x66, 2);
    uint64_t off = base + port / 8;
    if (off + 1 > s->tr.limit)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    uint64_t bits = x86_ld_kernel(cpu, s->tr.base + off, 2);
    if ((bits >> (port & 7)) & ((1u << size) - 1))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
}

uint64_t x86_port_in(X86CPU *cpu, uint16_t port, unsigned size)
{
    MemTxResult res;
    bql_lock();
    uint64_t v = as_ld(&cpu->machine->as_io, port, size, &res);
    bql_unlock();
    log_mask_printf(LOG_IOPORT, "in%c  0x%04x -> 0x%llx\n", "bw?l"[size - 1 > 3 ? 2 : size - 1],
                    port, (unsigned long long)v);
    return v & x86_size_mask(size);
}

void x86_port_out(X86CPU *cpu, uint16_t port, unsigned size, uint64_t val)
{
    val &= x86_size_mask(size);
    log_mask_printf(LOG_IOPORT, "out%c 0x%04x <- 0x%llx\n", "bw?l"[size - 1 > 3 ? 2 : size - 1],
                    port, (unsigned long long)val);
    bql_lock();
    as_st(&cpu->machine->as_io, port, size, val);
    bql_unlock();
}

static uint16_t io_port(X86CPU *cpu, const X86Insn *i)
{
    return i->k2 == K_IMM ? (uint16_t)i->imm : (uint16_t)cpu->s->regs[R_EDX];
}

void x86_op_in(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz == 8 ? 4 : i->osz;
    uint16_t port = io_port(cpu, i);
    x86_check_io(cpu, port, sz);
    x86_reg_write(cpu, R_EAX, sz, x86_port_in(cpu, port, sz));
}

void x86_op_out(X86CPU *cpu, const X86Insn *i)
{
    unsigned sz = i->osz == 8 ? 4 : i->osz;
    uint16_t port = io_port(cpu, i);
    x86_check_io(cpu, port, sz);
    x86_port_out(cpu, port, sz, cpu->s->regs[R_EAX]);
}
