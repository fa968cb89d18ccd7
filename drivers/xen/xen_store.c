/* The xenstore/ view's slots: XenStore itself, read and written through
 * libxenstore with dom0's rights (the store's permissions still apply to
 * what dom0 may not do).  libxenstore reports failures in errno with
 * xenstored's own codes (ENOENT, EACCES, EINVAL, E2BIG, ...); they are
 * passed on, and a lost connection becomes EIO. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/xen/xen_private.h"
#include "util/cleanup.h"

/* The errno a failed libxenstore call leaves, as the user should see it. */
static int store_error(struct hv_error *err, const char *what, const char *path)
{
	int code = errno;

	switch (code) {
	case ENOENT:
	case EACCES:
	case EINVAL:
	case EEXIST:
	case ENOSPC:
	case EBUSY:
		break;
	case E2BIG:
		code = EFBIG;
		break;
	case EDQUOT: /* a domain over its node quota */
		code = ENOSPC;
		break;
	default:
		code = EIO;
		break;
	}
	return hv_error_set(err, code, "XenStore %s of %s failed: %s", what, path, strerror(errno));
}

int xen_store_list(struct hv_conn *conn, const char *path, struct hv_name_list *out, struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;
	unsigned n = 0;
	auto_free char **names = xs_directory(drv->xs, XBT_NULL, path, &n);

	out->names = NULL;
	out->count = 0;
	if (!names)
		return store_error(err, "directory", path);
	out->names = calloc(n + 1, sizeof(*out->names));
	if (!out->names)
		return hv_error_set(err, ENOMEM, "out of memory");
	for (unsigned i = 0; i < n; i++) {
		if (!(out->names[out->count] = strdup(names[i]))) {
			hv_name_list_finish(out);
			return hv_error_set(err, ENOMEM, "out of memory");
		}
		out->count++;
	}
	return 0;
}

int xen_store_read(struct hv_conn *conn, const char *path, char **value, size_t *len, struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;
	unsigned n = 0;
	char *data = xs_read(drv->xs, XBT_NULL, path, &n);

	if (!data)
		return store_error(err, "read", path);
	*value = data; /* libxenstore NUL-terminates */
	*len = n;
	return 0;
}

int xen_store_write(struct hv_conn *conn, const char *path, const char *value, size_t len,
		    struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;

	if (!xs_write(drv->xs, XBT_NULL, path, value, (unsigned)len))
		return store_error(err, "write", path);
	return 0;
}

int xen_store_mkdir(struct hv_conn *conn, const char *path, struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;

	if (!xs_mkdir(drv->xs, XBT_NULL, path))
		return store_error(err, "mkdir", path);
	return 0;
}

int xen_store_remove(struct hv_conn *conn, const char *path, struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;
	unsigned len;
	auto_free char *value = NULL;

	if (strcmp(path, "/") == 0)
		return hv_error_set(err, EACCES, "the root of XenStore cannot be removed");
	/* xs_rm of a missing node succeeds; rm(1) expects ENOENT. */
	value = xs_read(drv->xs, XBT_NULL, path, &len);
	if (!value)
		return store_error(err, "remove", path);
	if (!xs_rm(drv->xs, XBT_NULL, path))
		return store_error(err, "remove", path);
	return 0;
}

/* What the watch saw at path: written or removed. */
void xen_store_report(struct xen_driver *drv, const char *path)
{
	unsigned len;
	char *value = xs_read(drv->xs, XBT_NULL, path, &len);

	hv_conn_emit(drv->conn, &(struct hv_change){
				    .kind = HV_KIND_HOST,
				    .type = value ? HV_CHANGE_MODIFIED : HV_CHANGE_DELETED,
				    .xenstore_path = path,
				});
	free(value);
}
