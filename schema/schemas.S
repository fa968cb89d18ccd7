/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The RelaxNG schemas, compiled into the binary so that validation never
 * depends on where (or whether) the .rng files were installed. */
	.section .rodata
	.balign 16
#define EMBED(sym, file)             \
	.global sym##_start;         \
	.global sym##_end;           \
sym##_start:                         \
	.incbin file;                \
sym##_end:                           \
	.byte 0

	EMBED(hv_schema_domain, "schema/domain.rng")
	EMBED(hv_schema_network, "schema/network.rng")
	EMBED(hv_schema_pool, "schema/storagepool.rng")
	EMBED(hv_schema_volume, "schema/storagevol.rng")
	EMBED(hv_schema_capabilities, "schema/capabilities.rng")

	.section .note.GNU-stack,"",@progbits
