/* SPDX-License-Identifier: MIT */
/*
 * pc-testdev's scratch places: the 32-bit register at port 0xe0 with byte,
 * word and dword accesses at every offset (a narrow write keeps the other
 * bytes), its byte-wide view at 0xe8, string I/O on it, and the 64 KiB
 * scratch MMIO window at 0xff000000 (paging is off, so the address is
 * used as is), including a rep movs through it.
 */
#include "guest.h"

#define TESTDEV_PORT      0xe0
#define TESTDEV_BYTE_PORT 0xe8
#define TESTDEV_MMIO      0xff000000u
#define TESTDEV_MMIO_SIZE 0x10000u

static void check_scratch_port(void)
{
    outl(TESTDEV_PORT, 0x12345678);
    GUEST_ASSERT(inl(TESTDEV_PORT) == 0x12345678);
    GUEST_ASSERT(inw(TESTDEV_PORT) == 0x5678);
    GUEST_ASSERT(inw(TESTDEV_PORT + 2) == 0x1234);
    GUEST_ASSERT(inb(TESTDEV_PORT) == 0x78);
    GUEST_ASSERT(inb(TESTDEV_PORT + 1) == 0x56);
    GUEST_ASSERT(inb(TESTDEV_PORT + 2) == 0x34);
    GUEST_ASSERT(inb(TESTDEV_PORT + 3) == 0x12);
    outb(TESTDEV_PORT + 1, 0xab);
    GUEST_ASSERT(inl(TESTDEV_PORT) == 0x1234ab78);
    outw(TESTDEV_PORT + 2, 0xcdef);
    GUEST_ASSERT(inl(TESTDEV_PORT) == 0xcdefab78);
    outb(TESTDEV_PORT, 0x5a);
    GUEST_ASSERT(inb(TESTDEV_PORT) == 0x5a);
    outw(TESTDEV_PORT, 0xa55a);
    GUEST_ASSERT(inw(TESTDEV_PORT) == 0xa55a);
    GUEST_ASSERT(inl(TESTDEV_PORT) == 0xcdefa55a);
    /* Many values, so a stuck bit cannot hide. */
    for (uint32_t i = 0, v = 1; i < 64; i++, v = v * 2654435761u + 1) {
        outl(TESTDEV_PORT, v);
        GUEST_ASSERT(inl(TESTDEV_PORT) == v);
    }
    puts("pc-testdev: port 0xe0 scratch register ok");
}

static void check_byte_view(void)
{
    outl(TESTDEV_PORT, 0x11223344);
    GUEST_ASSERT(inl(TESTDEV_BYTE_PORT) == 0x11223344);
    GUEST_ASSERT(inb(TESTDEV_BYTE_PORT + 2) == 0x22);
    outl(TESTDEV_BYTE_PORT, 0xa1b2c3d4);
    GUEST_ASSERT(inl(TESTDEV_PORT) == 0xa1b2c3d4);
    /* Aligned only: QEMU drops unaligned accesses to these ports. */
    outw(TESTDEV_BYTE_PORT + 2, 0x6677);
    GUEST_ASSERT(inl(TESTDEV_PORT) == 0x6677c3d4);

    /* String I/O: rep outsb into the four bytes, rep insb back. */
    static const uint8_t src[4] = { 0xde, 0xc0, 0xad, 0x0b };
    uint8_t dst[4] = { 0 };
    const uint8_t *s = src;
    uint8_t *d = dst;
    uint32_t n, port;
    /* outsb does not step the port: one byte to each of the four. */
    for (unsigned i = 0; i < 4; i++) {
        port = TESTDEV_BYTE_PORT + i;
        n = 1;
        __asm__ volatile("rep outsb" : "+S"(s), "+c"(n) : "d"(port) : "memory");
    }
    GUEST_ASSERT(inl(TESTDEV_PORT) == 0x0badc0de);
    n = 4;
    port = TESTDEV_PORT;
    /* Four reads of the low byte. */
    __asm__ volatile("rep insb" : "+D"(d), "+c"(n) : "d"(port) : "memory");
    GUEST_ASSERT(dst[0] == 0xde && dst[1] == 0xde && dst[2] == 0xde && dst[3] == 0xde);
    puts("pc-testdev: port 0xe8 byte view ok");
}

static void check_mmio(void)
{
    volatile uint8_t *b = (volatile uint8_t *)TESTDEV_MMIO;
    volatile uint16_t *w = (volatile uint16_t *)TESTDEV_MMIO;
    volatile uint32_t *l = (volatile uint32_t *)TESTDEV_MMIO;

    l[0] = 0xcafef00d;
    GUEST_ASSERT(l[0] == 0xcafef00d);
    GUEST_ASSERT(w[0] == 0xf00d && w[1] == 0xcafe);
    GUEST_ASSERT(b[0] == 0x0d && b[3] == 0xca);
    b[1] = 0x12;
    GUEST_ASSERT(l[0] == 0xcafe120d);
    /* A pattern over the whole window, then read back. */
    for (uint32_t off = 0; off < TESTDEV_MMIO_SIZE; off += 4)
        l[off / 4] = off * 0x01000193u ^ 0x5bd1e995u;
    for (uint32_t off = 0; off < TESTDEV_MMIO_SIZE; off += 4)
        GUEST_ASSERT(l[off / 4] == (off * 0x01000193u ^ 0x5bd1e995u));
    GUEST_ASSERT(b[TESTDEV_MMIO_SIZE - 1] == (uint8_t)(((TESTDEV_MMIO_SIZE - 4) * 0x01000193u ^
                                                        0x5bd1e995u) >> 24));

    /* rep movsl from RAM into the window and back. */
    static uint32_t ram_src[64], ram_dst[64];
    for (unsigned i = 0; i < 64; i++)
        ram_src[i] = 0x9e3779b9u * (i + 1);
    const void *s = ram_src;
    void *d = (void *)(TESTDEV_MMIO + 0x800);
    uint32_t n = 64;
    __asm__ volatile("rep movsl" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
    s = (const void *)(TESTDEV_MMIO + 0x800);
    d = ram_dst;
    n = 64;
    __asm__ volatile("rep movsl" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
    GUEST_ASSERT(memcmp(ram_src, ram_dst, sizeof(ram_src)) == 0);
    puts("pc-testdev: scratch MMIO at 0xff000000 ok");
}

int guest_main(void)
{
    check_scratch_port();
    check_byte_view();
    check_mmio();
    return 0;
}
