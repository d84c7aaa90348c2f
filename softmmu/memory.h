/* SPDX-License-Identifier: MIT */
/*
 * The memory API: guest-physical and I/O port address spaces.
 *
 * An address space is a tree of MemoryRegions. Leaves are RAM (host memory
 * from mmap that accelerators may map directly), ROM (RAM that the guest
 * cannot write), or I/O regions (a device's read/write callbacks). Inner
 * nodes are containers; an alias shows a window of another region at a new
 * address. Subregions have priorities: where two overlap, the higher priority
 * wins, and among equals the one added last wins.
 *
 * Whenever the tree changes, the address space rebuilds its FlatView: a sorted
 * array of non-overlapping ranges, each pointing at the leaf region that is
 * visible there. FlatViews are immutable and reference counted, so a vCPU can
 * keep using the view it took while the main thread swaps in a new one.
 * Listeners (the accelerators) are told of each range added or removed.
 *
 * Accesses through as_read/as_write and the as_ld/as_st helpers are split at
 * region boundaries and into the access sizes a device accepts; the pieces
 * are assembled little-endian. Unassigned space reads as all-ones, ignores
 * writes, and is logged under -d unimp.
 *
 * Threading: the tree is changed only with the big lock held. as_* accesses
 * to I/O regions must also be made with the big lock held (device callbacks
 * assume it); RAM may be accessed without it.
 */
#ifndef TANDEM_MEMORY_H
#define TANDEM_MEMORY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "softmmu/error.h"

typedef struct MemoryRegion MemoryRegion;
typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;
typedef struct MemoryListener MemoryListener;

typedef enum MemTxResult {
    MEMTX_OK = 0,
    MEMTX_UNASSIGNED = 1,   /* no region there (reads gave all-ones) */
    MEMTX_ERROR = 2,        /* a device refused the access */
} MemTxResult;

typedef struct MemoryRegionOps {
    /* addr is the offset inside the region; size is 1, 2, 4 or 8. */
    uint64_t (*read)(void *opaque, uint64_t addr, unsigned size);
    void (*write)(void *opaque, uint64_t addr, uint64_t val, unsigned size);
    /*
     * Access sizes the device implements (0 means 1 and 8 respectively).
     * Larger accesses are split into max_access pieces. Smaller ones become
     * one min_access access at the aligned offset: reads extract the bytes
     * wanted, writes pass the value shifted into place, other bytes zero.
     */
    unsigned min_access;
    unsigned max_access;
    /* Device wants accesses aligned to their size; the core splits others. */
    bool aligned_only;
} MemoryRegionOps;

typedef enum MemoryRegionKind {
    MR_CONTAINER,
    MR_RAM,
    MR_ROM,         /* RAM the guest reads but cannot write (writes ignored) */
    MR_IO,
    MR_ALIAS,
} MemoryRegionKind;

/* Dirty-tracking clients: one bit plane each in every RAM block. */
enum {
    DIRTY_CODE = 0,      /* pages holding translated code (tcg) */
    DIRTY_VGA = 1,       /* display refresh */
    DIRTY_MIGRATION = 2, /* snapshots and migration */
    DIRTY_CLIENTS = 3,
};

#define TARGET_PAGE_BITS 12
#define TARGET_PAGE_SIZE (1ull << TARGET_PAGE_BITS)
#define TARGET_PAGE_MASK (~(TARGET_PAGE_SIZE - 1))

/* Host memory behind a RAM or ROM region. */
typedef struct RamBlock {
    uint8_t *host;          /* mmap'd, page aligned */
    uint64_t size;          /* bytes, a multiple of TARGET_PAGE_SIZE */
    /* One bit per guest page per client, set when the page is written. */
    _Atomic(uint64_t) *dirty[DIRTY_CLIENTS];
} RamBlock;

struct MemoryRegion {
    MemoryRegionKind kind;
    char name[48];
    uint64_t size;
    bool enabled;
    bool readonly;              /* guest writes ignored in this subtree (mr_set_readonly) */

    /* MR_IO */
    const MemoryRegionOps *ops;
    void *opaque;

    /* MR_RAM / MR_ROM */
    RamBlock *ram;

    /* MR_ALIAS */
    MemoryRegion *alias;
    uint64_t alias_offset;

    /* position in the parent container */
    MemoryRegion *parent;
    uint64_t addr;
    int priority;
    unsigned seq;               /* insertion order, to break priority ties */

    /* MR_CONTAINER: children, kept sorted by (priority, seq) */
    MemoryRegion **children;
    size_t nr_children, cap_children;

    AddressSpace *as;           /* set on the root of an address space */
};

/* Initialisers for regions embedded in a device's state struct. */
void mr_init_container(MemoryRegion *mr, const char *name, uint64_t size);
int  mr_init_ram(MemoryRegion *mr, const char *name, uint64_t size, Error *err);
int  mr_init_rom(MemoryRegion *mr, const char *name, uint64_t size, Error *err);
void mr_init_io(MemoryRegion *mr, const char *name, const MemoryRegionOps *ops,
                void *opaque, uint64_t size);
void mr_init_alias(MemoryRegion *mr, const char *name, MemoryRegion *target,
                   uint64_t offset, uint64_t size);
/* Release what mr_init_* allocated (host RAM, child array). */
void mr_destroy(MemoryRegion *mr);

/* Host pointer to the start of a RAM/ROM region (NULL otherwise). */
uint8_t *mr_ram_ptr(MemoryRegion *mr);

/* Tree edits; each one rebuilds the FlatView of the containing space. */
void mr_add_subregion(MemoryRegion *parent, uint64_t offset, MemoryRegion *child);
void mr_add_subregion_overlap(MemoryRegion *parent, uint64_t offset,
                              MemoryRegion *child, int priority);
void mr_del_subregion(MemoryRegion *parent, MemoryRegion *child);
void mr_set_enabled(MemoryRegion *mr, bool enabled);
void mr_set_address(MemoryRegion *mr, uint64_t addr);
void mr_set_alias_offset(MemoryRegion *mr, uint64_t offset);
/*
 * Make guest writes through mr ignored, as for ROM (an alias showing RAM
 * read-only, e.g. the chipset's PAM "read-only" shadow mode). Applies to
 * everything rendered through mr; as_write_rom still writes.
 */
void mr_set_readonly(MemoryRegion *mr, bool readonly);
/* Group several edits into one rebuild (nests). */
void mr_transaction_begin(void);
void mr_transaction_commit(void);

/* One range of a FlatView. */
typedef struct FlatRange {
    uint64_t start;             /* guest address */
    uint64_t size;
    MemoryRegion *mr;           /* leaf: MR_RAM, MR_ROM or MR_IO */
    uint64_t offset;            /* offset of 'start' inside mr */
    bool readonly;              /* MR_ROM, or RAM shown through mr_set_readonly */
} FlatRange;

struct FlatView {
    _Atomic int ref;
    FlatRange *ranges;          /* sorted by start, non-overlapping, gaps unassigned */
    size_t nr;
};

/* Accelerators listen to learn of RAM they can map. */
struct MemoryListener {
    void (*region_add)(MemoryListener *l, const FlatRange *fr);
    void (*region_del)(MemoryListener *l, const FlatRange *fr);
    /* Called after a batch of add/del; the new view is current. */
    void (*commit)(MemoryListener *l, FlatView *view);
    MemoryListener *next;
};

struct AddressSpace {
    char name[32];
    MemoryRegion *root;
    _Atomic(FlatView *) view;
    MemoryListener *listeners;
};

void as_init(AddressSpace *as, MemoryRegion *root, const char *name);
void as_destroy(AddressSpace *as);
/* Registering replays region_add for every current range. */
void as_add_listener(AddressSpace *as, MemoryListener *l);
void as_remove_listener(AddressSpace *as, MemoryListener *l);

/* Take and release a reference on the current view. */
FlatView *as_get_view(AddressSpace *as);
void flatview_unref(FlatView *view);
/* The range containing addr, or NULL for unassigned space. */
const FlatRange *flatview_lookup(const FlatView *view, uint64_t addr);

MemTxResult as_read(AddressSpace *as, uint64_t addr, void *buf, uint64_t len);
MemTxResult as_write(AddressSpace *as, uint64_t addr, const void *buf, uint64_t len);
/* Writes that may also hit ROM (firmware and image loaders). */
MemTxResult as_write_rom(AddressSpace *as, uint64_t addr, const void *buf, uint64_t len);

/* Little-endian accesses of 1, 2, 4 or 8 bytes, split as needed. */
uint64_t as_ld(AddressSpace *as, uint64_t addr, unsigned size, MemTxResult *res);
MemTxResult as_st(AddressSpace *as, uint64_t addr, unsigned size, uint64_t val);

/*
 * A host pointer for DMA to [addr, addr+len) if the whole range is RAM
 * (writable RAM when is_write); NULL otherwise. Writes done through it must
 * be followed by as_dma_done() so that dirty bits and translated code are
 * kept right. The pointer is valid while the big lock is held.
 */
void *as_dma_map(AddressSpace *as, uint64_t addr, uint64_t len, bool is_write);
void as_dma_done(AddressSpace *as, uint64_t addr, uint64_t len);

/* Dirty bitmap of one RAM region (offsets are inside the region). */
void ram_set_dirty(RamBlock *rb, uint64_t offset, uint64_t len);
bool ram_test_and_clear_dirty(RamBlock *rb, unsigned client, uint64_t offset,
                              uint64_t len);
bool ram_is_dirty(RamBlock *rb, unsigned client, uint64_t offset);
/* Clear one client's bits for [offset, offset+len). */
void ram_clear_dirty(RamBlock *rb, unsigned client, uint64_t offset, uint64_t len);

/*
 * Hook for the code-page tracking of tcg: called after bytes written through
 * the memory API or DMA land on a page of RAM region mr whose DIRTY_CODE bit
 * is clear, i.e. a page that holds translated code. offset is inside mr (not
 * a guest-physical address, so RAM visible at two addresses is one page).
 * The DIRTY_CODE bit stays clear: tcg sets it (ram_set_dirty) once the page
 * holds no more translated code. NULL when no engine translates code.
 */
extern void (*mem_code_write_hook)(AddressSpace *as, MemoryRegion *mr,
                                   uint64_t offset, uint64_t len);

#endif
