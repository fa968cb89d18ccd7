/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* domains/NAME/devices/ of the Xen driver: the PV device trees XenStore
 * holds.  A frontend lives at /local/domain/N/device/CLASS/DEVID (state,
 * backend, backend-id) and its backend at the path the frontend names,
 * usually /local/domain/B/backend/CLASS/N/DEVID (state, dev, params, mode,
 * mac, bridge, ...).  Classes shown: vbd (block) and vif (network). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/xen/xen_private.h"
#include "util/cleanup.h"

static const char *const device_classes[] = {"vbd", "vif"};

/* A frontend, its backend and the XenbusState of each (docs/paths.md). */
static const struct hv_device_key vbd_keys[] = {
    {"backend", false, 0},    {"backend_domain", false, 0},
    {"backend_id", false, 0}, {"backend_state", false, 0},
    {"dev", false, 0},	      {"mode", false, 0},
    {"source", false, 0},     {"state", false, 0},
    {NULL, false, 0},
};
static const struct hv_device_key vif_keys[] = {
    {"backend", false, 0},    {"backend_domain", false, 0},
    {"backend_id", false, 0}, {"backend_state", false, 0},
    {"bridge", false, 0},     {"mac", false, 0},
    {"state", false, 0},      {NULL, false, 0},
};
const struct hv_device_class xen_device_classes[] = {
    {"vbd", vbd_keys},
    {"vif", vif_keys},
    {NULL, NULL},
};

static char *xs_get(struct xen_driver *drv, const char *dir, const char *key)
{
	char path[512];
	unsigned len;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_read(drv->xs, XBT_NULL, path, &len);
}

static void add_attr(struct hv_device_info *dev, const char *key, const char *value)
{
	if (dev->attr_count >= HV_DEVICE_ATTRS_MAX)
		return;
	snprintf(dev->attrs[dev->attr_count].key, sizeof(dev->attrs[0].key), "%s", key);
	snprintf(dev->attrs[dev->attr_count].value, sizeof(dev->attrs[0].value), "%s", value ? value : "");
	dev->attr_count++;
}

/* Adds backend key `key` of the backend at dir as attribute `as`. */
static void add_backend_attr(struct xen_driver *drv, struct hv_device_info *dev, const char *dir,
			     const char *key, const char *as)
{
	auto_free char *value = dir[0] ? xs_get(drv, dir, key) : NULL;

	add_attr(dev, as, value);
}

static void describe(struct xen_driver *drv, const char *cls, const char *frontend,
		     struct hv_device_info *dev)
{
	auto_free char *state = xs_get(drv, frontend, "state");
	auto_free char *backend = xs_get(drv, frontend, "backend");
	auto_free char *backend_id = xs_get(drv, frontend, "backend-id");
	auto_free char *backend_state = NULL;
	auto_free char *backend_name = NULL;
	const char *dir = backend ? backend : "";
	char *end;
	unsigned long bid;

	add_attr(dev, "backend", backend);
	add_attr(dev, "backend_id", backend_id);
	if (backend_id && *backend_id && (bid = strtoul(backend_id, &end, 10), !*end))
		backend_name = xen_dom_read(drv, (uint32_t)bid, "name");
	add_attr(dev, "backend_domain", backend_name);
	if (backend)
		backend_state = xs_get(drv, backend, "state");
	add_attr(dev, "backend_state", backend_state ? xen_xenbus_state_text(backend_state) : "Unknown");
	add_attr(dev, "state", xen_xenbus_state_text(state));
	if (strcmp(cls, "vbd") == 0) {
		add_backend_attr(drv, dev, dir, "dev", "dev");
		add_backend_attr(drv, dev, dir, "mode", "mode");
		add_backend_attr(drv, dev, dir, "params", "source");
	} else {
		add_backend_attr(drv, dev, dir, "bridge", "bridge");
		auto_free char *mac = xs_get(drv, frontend, "mac");
		if (mac)
			add_attr(dev, "mac", mac);
		else
			add_backend_attr(drv, dev, dir, "mac", "mac");
	}
}

int xen_domain_device_list(struct hv_conn *conn, const char *domain, struct hv_device_list *out,
			   struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;
	struct hv_domain_info info;
	struct xen_dom dom;
	size_t capacity = 0;
	int ret = xen_dom_lookup(drv, domain, &dom, err);

	out->devices = NULL;
	out->count = 0;
	if (ret == -ENOENT)
		/* Defined but not running: no frontends, but it exists. */
		return xen_domain_info(conn, domain, &info, err);
	if (ret < 0)
		return ret;
	for (size_t c = 0; c < sizeof(device_classes) / sizeof(device_classes[0]); c++) {
		char dir[128];
		unsigned n = 0;
		snprintf(dir, sizeof(dir), "/local/domain/%u/device/%s", dom.domid, device_classes[c]);
		auto_free char **ids = xs_directory(drv->xs, XBT_NULL, dir, &n);
		for (unsigned i = 0; ids && i < n; i++) {
			char frontend[256];
			if (strlen(ids[i]) > HV_DEVICE_NAME_MAX)
				continue;
			if (out->count == capacity) {
				size_t grown = capacity ? capacity * 2 : 8;
				struct hv_device_info *more = realloc(out->devices, grown * sizeof(*more));
				if (!more) {
					hv_device_list_finish(out);
					return hv_error_set(err, ENOMEM, "out of memory");
				}
				out->devices = more;
				capacity = grown;
			}
			struct hv_device_info *dev = &out->devices[out->count++];
			memset(dev, 0, sizeof(*dev));
			snprintf(dev->cls, sizeof(dev->cls), "%s", device_classes[c]);
			snprintf(dev->name, sizeof(dev->name), "%s", ids[i]);
			snprintf(frontend, sizeof(frontend), "%s/%s", dir, ids[i]);
			describe(drv, device_classes[c], frontend, dev);
		}
	}
	return 0;
}
