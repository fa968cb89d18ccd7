/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Building and destroying guests through libxl, Xen's own toolstack library
 * (what xl uses): hvfs writes no domain builder of its own.  The guest
 * description comes from the domain XML (xen_guest_def_parse); this file
 * translates it into a libxl_domain_config. */
#include <errno.h>
#include <libxl_utils.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/xen/xen_private.h"
#include "util/log.h"

int xen_libxl_open(struct xen_driver *drv, struct hv_error *err)
{
	/* libxl reports its reasons through this logger: into the daemon's
	 * stderr, which is its log in the foreground. */
	drv->logger = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
	if (!drv->logger)
		return hv_error_set(err, ENOMEM, "out of memory");
	if (libxl_ctx_alloc(&drv->ctx, LIBXL_VERSION, 0, (xentoollog_logger *)drv->logger) != 0) {
		drv->ctx = NULL;
		return hv_error_set(err, EIO, "cannot open libxl, Xen's toolstack library");
	}
	return 0;
}

void xen_libxl_close(struct xen_driver *drv)
{
	if (drv->ctx)
		libxl_ctx_free(drv->ctx);
	drv->ctx = NULL;
	if (drv->logger)
		xtl_logger_destroy((xentoollog_logger *)drv->logger);
	drv->logger = NULL;
}

static int parse_mac(const char *text, libxl_mac *mac)
{
	unsigned b[6];
	char tail;

	if (sscanf(text, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		(*mac)[i] = (uint8_t)b[i];
	}
	return 0;
}

/* Fills config from guest; -ENOMEM or -EINVAL.  config is initialised by
 * the caller and disposed by it whatever this returns. */
static int build_config(struct xen_driver *drv, const struct xen_guest_def *guest,
			libxl_domain_config *config, struct hv_error *err)
{
	libxl_domain_create_info *c_info = &config->c_info;
	libxl_domain_build_info *b_info = &config->b_info;

	c_info->type = LIBXL_DOMAIN_TYPE_PV;
	if (!(c_info->name = strdup(guest->def.name)))
		return hv_error_set(err, ENOMEM, "out of memory");
	if (guest->def.uuid[0] && libxl_uuid_from_string(&c_info->uuid, guest->def.uuid) != 0)
		return hv_error_set(err, EINVAL, "uuid %s is not one libxl accepts", guest->def.uuid);
	if (!guest->def.uuid[0])
		libxl_uuid_generate(&c_info->uuid);

	libxl_domain_build_info_init_type(b_info, LIBXL_DOMAIN_TYPE_PV);
	b_info->max_memkb = guest->def.max_memory_kib;
	b_info->target_memkb = guest->def.memory_kib;
	b_info->max_vcpus = (int)guest->def.max_vcpus;
	if (libxl_cpu_bitmap_alloc(drv->ctx, &b_info->avail_vcpus, (int)guest->def.max_vcpus) != 0)
		return hv_error_set(err, ENOMEM, "out of memory");
	for (unsigned i = 0; i < guest->def.vcpus; i++)
		libxl_bitmap_set(&b_info->avail_vcpus, (int)i);
	if (!(b_info->kernel = strdup(guest->kernel)) ||
	    (guest->initrd[0] && !(b_info->ramdisk = strdup(guest->initrd))) ||
	    (guest->cmdline[0] && !(b_info->cmdline = strdup(guest->cmdline))))
		return hv_error_set(err, ENOMEM, "out of memory");

	/* The watch thread acts on a guest's own shutdown as these say
	 * (xl's daemon does the same for xl's guests). */
	config->on_poweroff = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	config->on_reboot = LIBXL_ACTION_ON_SHUTDOWN_RESTART;
	config->on_crash = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	config->on_watchdog = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;

	if (guest->disk_count) {
		config->disks = calloc(guest->disk_count, sizeof(*config->disks));
		if (!config->disks)
			return hv_error_set(err, ENOMEM, "out of memory");
		for (unsigned i = 0; i < guest->disk_count; i++) {
			libxl_device_disk *disk = &config->disks[i];
			libxl_device_disk_init(disk);
			config->num_disks++;
			disk->format = LIBXL_DISK_FORMAT_RAW;
			disk->backend = LIBXL_DISK_BACKEND_UNKNOWN;
			disk->readwrite = !guest->disks[i].readonly;
			if (!(disk->pdev_path = strdup(guest->disks[i].source)) ||
			    !(disk->vdev = strdup(guest->disks[i].target)))
				return hv_error_set(err, ENOMEM, "out of memory");
		}
	}
	if (guest->nic_count) {
		config->nics = calloc(guest->nic_count, sizeof(*config->nics));
		if (!config->nics)
			return hv_error_set(err, ENOMEM, "out of memory");
		for (unsigned i = 0; i < guest->nic_count; i++) {
			libxl_device_nic *nic = &config->nics[i];
			libxl_device_nic_init(nic);
			config->num_nics++;
			nic->devid = (libxl_devid)i;
			if (guest->nics[i].mac[0] && parse_mac(guest->nics[i].mac, &nic->mac) < 0)
				return hv_error_set(err, EINVAL, "interface mac '%s' is not a MAC address",
						    guest->nics[i].mac);
			if (guest->nics[i].bridge[0] && !(nic->bridge = strdup(guest->nics[i].bridge)))
				return hv_error_set(err, ENOMEM, "out of memory");
		}
	}
	return 0;
}

/* drv->libxl_lock is held from the config's first use of the ctx (the
 * vCPU bitmap) to its disposal: the build, the unpause and a failed
 * build's destroy run as one step that no other libxl call interleaves
 * with.  The caller holds none of drv's locks. */
int xen_libxl_create(struct xen_driver *drv, const struct xen_guest_def *guest, uint32_t *domid,
		     struct hv_error *err)
{
	libxl_domain_config config;
	int ret;

	pthread_mutex_lock(&drv->libxl_lock);
	libxl_domain_config_init(&config);
	ret = build_config(drv, guest, &config, err);
	if (ret == 0) {
		*domid = INVALID_DOMID;
		/* Synchronous (no ao_how): returns once the domain is built, paused. */
		ret = libxl_domain_create_new(drv->ctx, &config, domid, NULL, NULL);
		if (ret != 0) {
			if (*domid != (uint32_t)INVALID_DOMID)
				libxl_domain_destroy(drv->ctx, *domid, NULL);
			ret =
			    hv_error_set(err, EIO,
					 "libxl could not build domain '%s' (libxl error %d; its log has the "
					 "reason: kernel %s)",
					 guest->def.name, ret, guest->kernel);
		}
	}
	if (ret == 0 && libxl_domain_unpause(drv->ctx, *domid, NULL) != 0) {
		libxl_domain_destroy(drv->ctx, *domid, NULL);
		ret = hv_error_set(err, EIO, "libxl built domain '%s' but could not unpause it",
				   guest->def.name);
	}
	libxl_domain_config_dispose(&config);
	pthread_mutex_unlock(&drv->libxl_lock);
	return ret;
}

/* Under drv->libxl_lock (see xen_libxl_create); the caller holds none of
 * drv's locks. */
int xen_libxl_destroy(struct xen_driver *drv, uint32_t domid, struct hv_error *err)
{
	int ret;

	pthread_mutex_lock(&drv->libxl_lock);
	ret = libxl_domain_destroy(drv->ctx, domid, NULL);
	pthread_mutex_unlock(&drv->libxl_lock);

	if (ret != 0)
		return hv_error_set(err, EIO, "libxl could not destroy domain %u (libxl error %d)", domid,
				    ret);
	return 0;
}
