/* SPDX-License-Identifier: MIT */
/*
 * Memory slots: the RAM and ROM ranges of the machine's flat view, handed to
 * KVM so the guest reaches them without exits.
 *
 * The memory API tells us of each range that appears or vanishes, deletions
 * of a batch first, then additions (as_notify), so a range that moves or
 * changes size (PAM shadowing, a BAR being moved) is a delete followed by an
 * add and two slots never overlap in the kernel. Slot N of the kernel is
 * entry N of KvmState.slots.
 *
 * KVM maps whole host pages only. A range is given to KVM for its
 * page-aligned interior; a partial page at either end, or a range whose host
 * address cannot be page aligned (an alias at an odd offset), stays out of
 * the slots: the guest's accesses there exit as MMIO and are served by
 * as_read/as_write, which handle RAM correctly. Only code fetched from such
 * a page fails (KVM cannot execute from MMIO), and that is reported with a
 * register dump, never silently. ROM uses KVM_MEM_READONLY: reads and
 * fetches are direct, writes exit as MMIO and the memory API drops them.
 *
 * Invariants: a used slot always describes exactly one registered KVM slot;
 * everything here runs with the big lock held (the memory API's rule for
 * tree edits), so the table needs no lock of its own. The kernel makes a
 * slot change atomic with respect to running vCPUs.
 *
 * Dirty pages: guest writes through a slot bypass the RamBlock dirty bitmaps;
 * display refresh and migration under kvm need KVM_GET_DIRTY_LOG (to do).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/kvm/kvm-int.h"
#include "softmmu/machine.h"
#include "softmmu/log.h"

#define KVM_PAGE 4096ull

static KvmState *kvm_state_of_listener(MemoryListener *l)
{
    return (KvmState *)((char *)l - offsetof(KvmState, listener));
}

/* The page-aligned part of a RAM/ROM range KVM can map; false if none. */
static bool kvm_range_slot_part(const FlatRange *fr, uint64_t *start, uint64_t *size,
                                uint8_t **host)
{
    if (fr->mr->kind != MR_RAM && fr->mr->kind != MR_ROM)
        return false;
    uint64_t s = (fr->start + KVM_PAGE - 1) & ~(KVM_PAGE - 1);
    uint64_t e = (fr->start + fr->size) & ~(KVM_PAGE - 1);
    if (s < fr->start || e <= s)        /* wrapped, or less than a page */
        return false;
    uint8_t *h = fr->mr->ram->host + fr->offset + (s - fr->start);
    if ((uintptr_t)h & (KVM_PAGE - 1))
        return false;
    *start = s;
    *size = e - s;
    *host = h;
    return true;
}

static int kvm_set_slot(KvmState *ks, const KvmSlot *s, uint64_t size)
{
    struct kvm_userspace_memory_region r = {
        .slot = s->id,
        .flags = s->readonly ? KVM_MEM_READONLY : 0,
        .guest_phys_addr = s->start,
        .memory_size = size,
        .userspace_addr = (uintptr_t)s->host,
    };
    return ioctl(ks->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
}

static void kvm_region_add(MemoryListener *l, const FlatRange *fr)
{
    KvmState *ks = kvm_state_of_listener(l);
    uint64_t start, size;
    uint8_t *host;

    if (!kvm_range_slot_part(fr, &start, &size, &host)) {
        if (fr->mr->kind != MR_IO)
            log_mask_printf(LOG_UNIMP, "kvm: RAM range '%s' at 0x%" PRIx64
                            "+0x%" PRIx64 " is not page aligned: served by MMIO exits\n",
                            fr->mr->name, fr->start, fr->size);
        return;
    }
    KvmSlot *s = NULL;
    for (int i = 0; i < ks->nr_slots; i++) {
        if (!ks->slots[i].used) {
            s = &ks->slots[i];
            s->id = i;
            break;
        }
    }
    if (!s) {
        if (!ks->slot_error_reported)
            fprintf(stderr, "tandem: kvm: out of memory slots (%d) for '%s' at 0x%" PRIx64
                    ": guest code cannot run from it\n", ks->nr_slots, fr->mr->name, start);
        ks->slot_error_reported = true;
        return;
    }
    s->start = start;
    s->size = size;
    s->host = host;
    s->readonly = fr->readonly || fr->mr->kind == MR_ROM;
    if (kvm_set_slot(ks, s, size) < 0) {
        fprintf(stderr, "tandem: kvm: cannot map '%s' at 0x%" PRIx64 "+0x%" PRIx64
                ": %s\n", fr->mr->name, start, size, strerror(errno));
        return;
    }
    s->used = true;
}

static void kvm_region_del(MemoryListener *l, const FlatRange *fr)
{
    KvmState *ks = kvm_state_of_listener(l);
    uint64_t start, size;
    uint8_t *host;

    if (!kvm_range_slot_part(fr, &start, &size, &host))
        return;
    for (int i = 0; i < ks->nr_slots; i++) {
        KvmSlot *s = &ks->slots[i];
        if (s->used && s->start == start && s->size == size && s->host == host) {
            /* A zero size deletes the slot. */
            if (kvm_set_slot(ks, s, 0) < 0)
                fprintf(stderr, "tandem: kvm: cannot unmap slot %d at 0x%" PRIx64 ": %s\n",
                        i, start, strerror(errno));
            s->used = false;
            return;
        }
    }
}

void kvm_mem_init(KvmState *ks)
{
    memset(&ks->listener, 0, sizeof(ks->listener));
    ks->listener.region_add = kvm_region_add;
    ks->listener.region_del = kvm_region_del;
    as_add_listener(&ks->machine->as_mem, &ks->listener);
}

void kvm_mem_cleanup(KvmState *ks)
{
    /* Closing the VM releases every slot; only stop listening. */
    if (ks->listener.region_add)
        as_remove_listener(&ks->machine->as_mem, &ks->listener);
    ks->listener.region_add = NULL;
}
