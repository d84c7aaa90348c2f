/* SPDX-License-Identifier: MIT */
/*
 * tandem's Linux loader option ROM, for -kernel through firmware. The board
 * gives it to SeaBIOS as the fw_cfg file "genroms/linuxboot.bin" and puts
 * it first in "bootorder"; SeaBIOS copies it below 1 MiB, calls its (empty)
 * init entry, and at boot time calls its PnP bootstrap entry vector (BEV).
 *
 * The BEV, all in real mode:
 *   1. reads the addresses and sizes the board chose from fw_cfg
 *      (FW_CFG_SETUP_*, CMDLINE_*, KERNEL_*, INITRD_*) through the port
 *      interface, one byte at a time;
 *   2. copies the setup code, command line, kernel and initrd to them with
 *      fw_cfg's DMA interface, which writes guest-physical memory directly:
 *      no protected mode or unreal mode is needed to reach 1 MiB and above;
 *   3. fills the boot loader's fields of the setup header (boot protocol
 *      2.06+): type_of_loader, CAN_USE_HEAP and heap_end_ptr,
 *      cmd_line_ptr, ramdisk_image and ramdisk_size;
 *   4. enters the real-mode setup code at (setup segment + 0x20):0 with
 *      ds = es = fs = gs = ss = the setup segment, the stack at the top of
 *      its heap and interrupts off, as the protocol asks.
 * If fw_cfg has no DMA or a transfer fails, it prints why (screen and the
 * 0x402 debug port) and returns, so SeaBIOS tries the next boot device.
 *
 * tandem pads the image to 512-byte blocks and sets the size byte and both
 * checksums (hw/pc/optionrom.c); here they are left zero.
 */
        .code16
        .text

#define FW_CFG_PORT_SEL   0x510
#define FW_CFG_PORT_DATA  0x511
#define FW_CFG_PORT_DMA   0x514         /* high half; the low half at +4 starts it */
#define FW_CFG_ID         0x01
#define FW_CFG_ID_DMA     0x02
#define FW_CFG_KERNEL_ADDR  0x07
#define FW_CFG_KERNEL_SIZE  0x08
#define FW_CFG_INITRD_ADDR  0x0a
#define FW_CFG_INITRD_SIZE  0x0b
#define FW_CFG_KERNEL_DATA  0x11
#define FW_CFG_INITRD_DATA  0x12
#define FW_CFG_CMDLINE_ADDR 0x13
#define FW_CFG_CMDLINE_SIZE 0x14
#define FW_CFG_CMDLINE_DATA 0x15
#define FW_CFG_SETUP_ADDR   0x16
#define FW_CFG_SETUP_SIZE   0x17
#define FW_CFG_SETUP_DATA   0x18
#define DMA_CTL_ERROR     0x01
#define DMA_CTL_READ      0x02
#define DMA_CTL_SELECT    0x08
#define DEBUG_PORT        0x402

/* The BEV's frame below %bp: the values read from fw_cfg, then the DMA descriptor. */
#define V_SETUP_ADDR    -4
#define V_SETUP_SIZE    -8
#define V_KERNEL_ADDR   -12
#define V_KERNEL_SIZE   -16
#define V_CMDLINE_ADDR  -20
#define V_CMDLINE_SIZE  -24
#define V_INITRD_ADDR   -28
#define V_INITRD_SIZE   -32
#define V_DMA           -48             /* control, length, address (hi, lo): big-endian */
#define FRAME           48

/* Setup header fields, as offsets in the setup code's segment. */
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS      0x211
#define HDR_RAMDISK_IMAGE  0x218
#define HDR_RAMDISK_SIZE   0x21c
#define HDR_HEAP_END_PTR   0x224
#define HDR_CMD_LINE_PTR   0x228
#define LOADFLAG_CAN_USE_HEAP 0x80

        .globl _start
_start:
        .byte 0x55, 0xaa                /* option ROM signature */
        .byte 0                         /* size in 512-byte blocks (tandem sets it) */
        lret                            /* init entry: nothing to set up */
        .org 0x18
        .word 0                         /* no PCI data structure */
        .word pnp_header

        .balign 16, 0
pnp_header:
        .ascii "$PnP"
        .byte 1                         /* structure revision */
        .byte 2                         /* length in 16-byte units */
        .word 0                         /* no next header */
        .byte 0
        .byte 0                         /* checksum (tandem sets it) */
        .long 0                         /* device identifier */
        .word 0                         /* no manufacturer string */
        .word product_name
        .byte 0, 0, 0                   /* device type code */
        .byte 0                         /* device indicators */
        .word 0                         /* no boot connection vector */
        .word 0                         /* no disconnect vector */
        .word boot_entry                /* bootstrap entry vector */
        .word 0
        .word 0                         /* no static resource information */

product_name:
        .asciz "Linux kernel (tandem -kernel)"
msg_no_dma:
        .asciz "linuxboot: fw_cfg has no DMA interface\r\n"
msg_dma_error:
        .asciz "linuxboot: fw_cfg DMA transfer failed\r\n"

/* %eax = the first four bytes (little-endian) of fw_cfg item %ax. Clobbers %cx, %dx. */
fw_cfg_read32:
        movw $FW_CFG_PORT_SEL, %dx
        outw %ax, %dx
        movw $FW_CFG_PORT_DATA, %dx
        movw $4, %cx
1:      inb %dx, %al
        rorl $8, %eax                   /* after four bytes the first is in bits 0-7 */
        loop 1b
        ret

/*
 * Copy %ecx bytes of fw_cfg item %ax to guest-physical %edi by DMA, through
 * the descriptor in the frame. CF set on error. Clobbers %eax, %ebx, %ecx,
 * %edx, %edi.
 */
fw_cfg_dma_read:
        movzwl %ax, %eax
        shll $16, %eax
        orl $(DMA_CTL_SELECT | DMA_CTL_READ), %eax
        bswapl %eax
        movl %eax, V_DMA(%bp)
        bswapl %ecx
        movl %ecx, V_DMA+4(%bp)
        movl $0, V_DMA+8(%bp)
        bswapl %edi
        movl %edi, V_DMA+12(%bp)
        /* The descriptor's physical address: ss * 16 + its offset. */
        xorl %eax, %eax
        movw %ss, %ax
        shll $4, %eax
        leaw V_DMA(%bp), %bx
        movzwl %bx, %ebx
        addl %ebx, %eax
        bswapl %eax
        movl %eax, %ebx
        movw $FW_CFG_PORT_DMA, %dx
        xorl %eax, %eax
        outl %eax, %dx                  /* high half: the frame is below 1 MiB */
        addw $4, %dx
        movl %ebx, %eax
        outl %eax, %dx                  /* low half: starts the transfer */
        /*
         * The device clears the control word when done, leaving only the
         * error bit: the low bit of its last byte, so bit 24 as loaded here.
         */
2:      movl V_DMA(%bp), %eax
        testl $~(DMA_CTL_ERROR << 24), %eax
        jnz 2b
        testl $(DMA_CTL_ERROR << 24), %eax
        jz 3f
        stc
        ret
3:      clc
        ret

.macro READ32 key, slot
        movw $\key, %ax
        call fw_cfg_read32
        movl %eax, \slot(%bp)
.endm

.macro DMA_READ key, addr, size
        movw $\key, %ax
        movl \addr(%bp), %edi
        movl \size(%bp), %ecx
        call fw_cfg_dma_read
        jc dma_error
.endm

boot_entry:
        cli
        cld
        pushw %bp
        movw %sp, %bp
        subw $FRAME, %sp
        pushw %cs
        popw %ds                        /* for the messages */

        movw $FW_CFG_ID, %ax
        call fw_cfg_read32
        testb $FW_CFG_ID_DMA, %al
        jz no_dma
        READ32 FW_CFG_SETUP_ADDR, V_SETUP_ADDR
        READ32 FW_CFG_SETUP_SIZE, V_SETUP_SIZE
        READ32 FW_CFG_KERNEL_ADDR, V_KERNEL_ADDR
        READ32 FW_CFG_KERNEL_SIZE, V_KERNEL_SIZE
        READ32 FW_CFG_CMDLINE_ADDR, V_CMDLINE_ADDR
        READ32 FW_CFG_CMDLINE_SIZE, V_CMDLINE_SIZE
        READ32 FW_CFG_INITRD_ADDR, V_INITRD_ADDR
        READ32 FW_CFG_INITRD_SIZE, V_INITRD_SIZE

        DMA_READ FW_CFG_SETUP_DATA, V_SETUP_ADDR, V_SETUP_SIZE
        DMA_READ FW_CFG_CMDLINE_DATA, V_CMDLINE_ADDR, V_CMDLINE_SIZE
        DMA_READ FW_CFG_KERNEL_DATA, V_KERNEL_ADDR, V_KERNEL_SIZE
        cmpl $0, V_INITRD_SIZE(%bp)
        je 1f
        DMA_READ FW_CFG_INITRD_DATA, V_INITRD_ADDR, V_INITRD_SIZE
1:
        /* The boot loader's part of the setup header. */
        movl V_SETUP_ADDR(%bp), %eax
        shrl $4, %eax
        movw %ax, %es
        movb $0xff, %es:HDR_TYPE_OF_LOADER      /* "undefined" loader, as direct boot */
        orb $LOADFLAG_CAN_USE_HEAP, %es:HDR_LOADFLAGS
        /* The setup code's heap and stack end where the command line starts. */
        movl V_CMDLINE_ADDR(%bp), %ecx
        subl V_SETUP_ADDR(%bp), %ecx
        leal -0x200(%ecx), %eax
        movw %ax, %es:HDR_HEAP_END_PTR
        movl V_CMDLINE_ADDR(%bp), %eax
        movl %eax, %es:HDR_CMD_LINE_PTR
        movl V_INITRD_ADDR(%bp), %eax
        movl %eax, %es:HDR_RAMDISK_IMAGE
        movl V_INITRD_SIZE(%bp), %eax
        movl %eax, %es:HDR_RAMDISK_SIZE

        /* Enter the setup code; nothing here returns. */
        subl $0x10, %ecx
        movw %es, %ax
        movw %ax, %ds
        movw %ax, %fs
        movw %ax, %gs
        movw %ax, %ss
        movw %cx, %sp
        addw $0x20, %ax
        pushw %ax
        pushw $0
        lret

no_dma:
        movw $msg_no_dma, %si
        jmp fail
dma_error:
        movw $msg_dma_error, %si
fail:
        lodsb
        testb %al, %al
        jz 2f
        movw $DEBUG_PORT, %dx
        outb %al, %dx
        movb $0x0e, %ah                 /* teletype output */
        movw $0x0007, %bx
        pushw %si
        int $0x10
        popw %si
        jmp fail
2:      movw %bp, %sp
        popw %bp
        lret                            /* back to SeaBIOS: next boot device */
