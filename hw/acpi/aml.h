/* SPDX-License-Identifier: MIT */
/*
 * A small builder for ACPI Machine Language (AML) byte code, the contents
 * of the DSDT and SSDTs (ACPI 6.x chapter 20).
 *
 * Every constructor returns a new node (Aml *). A node is a growable byte
 * buffer plus what is needed to close it: blocks that carry a PkgLength
 * (Scope, Device, Method, If, Else, Field), packages that count their
 * elements, and resource templates that end with an End Tag and become a
 * Buffer. Nodes are closed (encoded to their final bytes) when they are
 * handed on, so a block's length is known only once its contents are.
 *
 * Ownership: passing a node to another constructor or to aml_append()
 * gives it away (it is encoded into the receiver and freed). Only the root
 * node that nobody received is freed by its builder, with aml_free().
 * Buffers grow without limit; running out of memory while building tables
 * at machine setup aborts with a message (nothing useful can continue).
 */
#ifndef TANDEM_AML_H
#define TANDEM_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Aml Aml;

/* A plain list of terms (the body of a definition block). */
Aml *aml_new(void);
/* Encode child at the end of parent's contents; child is consumed. */
void aml_append(Aml *parent, Aml *child);
/* Close node (PkgLength, End Tag...) and return its final bytes. */
const uint8_t *aml_data(Aml *node);
size_t aml_len(Aml *node);
void aml_free(Aml *node);

/* The encoding of a PkgLength for a body of len bytes (ACPI 20.2.4). */
size_t aml_pkglen_encode(size_t body_len, uint8_t out[4]);

/* Data objects. */
Aml *aml_int(uint64_t v);           /* Zero/One/Ones or the smallest prefix */
Aml *aml_string(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
Aml *aml_buffer(const uint8_t *data, size_t len);
Aml *aml_package(void);             /* aml_append() adds elements */
/* A name reference: "\\_SB.PCI0.LNKA", "^FOO", "_CRS"; segments pad with '_'. */
Aml *aml_name(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* EisaId("PNP0A03") as the compressed 32-bit integer. */
Aml *aml_eisaid(const char *id);
Aml *aml_local(unsigned n);         /* Local0..7 */
Aml *aml_arg(unsigned n);           /* Arg0..6 */

/* Named objects and blocks (append their contents with aml_append). */
Aml *aml_name_decl(const char *name, Aml *value);
Aml *aml_scope(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
Aml *aml_device(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
Aml *aml_method(const char *name, unsigned nargs, bool serialized);
Aml *aml_if(Aml *predicate);
Aml *aml_else(void);

enum { AML_SPACE_MEMORY = 0, AML_SPACE_IO = 1, AML_SPACE_PCI_CONFIG = 2 };
Aml *aml_operation_region(const char *name, uint8_t space, Aml *offset, Aml *len);

enum { AML_ACCESS_ANY = 0, AML_ACCESS_BYTE = 1, AML_ACCESS_WORD = 2, AML_ACCESS_DWORD = 3 };
enum { AML_NOLOCK = 0, AML_LOCK = 1 };
enum { AML_PRESERVE = 0, AML_WRITE_AS_ONES = 1, AML_WRITE_AS_ZEROS = 2 };
Aml *aml_field(const char *region, uint8_t access, uint8_t lock, uint8_t update);
/* A named field unit of bits bits (name NULL: reserved bits). */
void aml_field_unit(Aml *field, const char *name, uint32_t bits);

/* Statements and expressions. target may be NULL (no result stored). */
Aml *aml_store(Aml *src, Aml *dst);
Aml *aml_return(Aml *v);
Aml *aml_notify(Aml *obj, Aml *value);
Aml *aml_and(Aml *a, Aml *b, Aml *target);
Aml *aml_or(Aml *a, Aml *b, Aml *target);
Aml *aml_add(Aml *a, Aml *b, Aml *target);
Aml *aml_lequal(Aml *a, Aml *b);
Aml *aml_lnot(Aml *a);
Aml *aml_land(Aml *a, Aml *b);
Aml *aml_create_dword_field(Aml *buf, Aml *index, const char *name);

/* Resource templates: aml_append() descriptors, then use as a value. */
Aml *aml_resource_template(void);
Aml *aml_io(uint16_t min, uint16_t max, uint8_t align, uint8_t len);
Aml *aml_irq_noflags(uint8_t irq);
Aml *aml_memory32_fixed(uint32_t base, uint32_t len, bool rw);
/* Extended Interrupt descriptor, one or more GSIs. */
Aml *aml_interrupt(bool consumer, bool edge, bool active_low, bool shared,
                   const uint32_t *irqs, unsigned n);

/*
 * Address space descriptors as a PCI root bridge produces them: min and max
 * fixed, positive decode, granularity 0, translation 0 and
 * length = max - min + 1 (so the range must not be empty).
 */
Aml *aml_word_bus_number(uint16_t min, uint16_t max);
Aml *aml_word_io(uint16_t min, uint16_t max);
Aml *aml_dword_memory(uint32_t min, uint32_t max, bool cacheable);
Aml *aml_qword_memory(uint64_t min, uint64_t max, bool cacheable);

#endif
