/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* By-kind dispatch: one switch per operation that every object kind has,
 * so that the filesystem's collection code is written once. */
#include <errno.h>

#include "drivers/driver.h"

static int bad_kind(enum hv_object_kind kind, struct hv_error *err)
{
	return hv_error_set(err, EINVAL, "the %s is not a collection object", hv_object_kind_name(kind));
}

const char *hv_object_kind_name(enum hv_object_kind kind)
{
	switch (kind) {
	case HV_KIND_DOMAIN:
		return "domain";
	case HV_KIND_NETWORK:
		return "network";
	case HV_KIND_POOL:
		return "pool";
	case HV_KIND_HOST:
		break;
	}
	return "host";
}

const char *hv_object_kind_dir(enum hv_object_kind kind)
{
	switch (kind) {
	case HV_KIND_DOMAIN:
		return "domains";
	case HV_KIND_NETWORK:
		return "networks";
	case HV_KIND_POOL:
		return "pools";
	case HV_KIND_HOST:
		break;
	}
	return "host";
}

int hv_object_list(struct hv_conn *conn, enum hv_object_kind kind, struct hv_name_list *out,
		   struct hv_error *err)
{
	switch (kind) {
	case HV_KIND_DOMAIN:
		return hv_domain_list(conn, out, err);
	case HV_KIND_NETWORK:
		return hv_network_list(conn, out, err);
	case HV_KIND_POOL:
		return hv_pool_list(conn, out, err);
	case HV_KIND_HOST:
		break;
	}
	return bad_kind(kind, err);
}

int hv_object_exists(struct hv_conn *conn, enum hv_object_kind kind, const char *name, struct hv_error *err)
{
	union {
		struct hv_domain_info domain;
		struct hv_network_info network;
		struct hv_pool_info pool;
	} info;

	switch (kind) {
	case HV_KIND_DOMAIN:
		return hv_domain_info(conn, name, &info.domain, err);
	case HV_KIND_NETWORK:
		return hv_network_info(conn, name, &info.network, err);
	case HV_KIND_POOL:
		return hv_pool_info(conn, name, &info.pool, err);
	case HV_KIND_HOST:
		break;
	}
	return bad_kind(kind, err);
}

int hv_object_get_xml(struct hv_conn *conn, enum hv_object_kind kind, const char *name, char **xml,
		      struct hv_error *err)
{
	switch (kind) {
	case HV_KIND_DOMAIN:
		return hv_domain_get_xml(conn, name, xml, err);
	case HV_KIND_NETWORK:
		return hv_network_get_xml(conn, name, xml, err);
	case HV_KIND_POOL:
		return hv_pool_get_xml(conn, name, xml, err);
	case HV_KIND_HOST:
		break;
	}
	return bad_kind(kind, err);
}

int hv_object_define(struct hv_conn *conn, enum hv_object_kind kind, const char *name, const char *xml,
		     size_t len, struct hv_error *err)
{
	switch (kind) {
	case HV_KIND_DOMAIN:
		return hv_domain_define(conn, name, xml, len, err);
	case HV_KIND_NETWORK:
		return hv_network_define(conn, name, xml, len, err);
	case HV_KIND_POOL:
		return hv_pool_define(conn, name, xml, len, err);
	case HV_KIND_HOST:
		break;
	}
	return bad_kind(kind, err);
}

int hv_object_undefine(struct hv_conn *conn, enum hv_object_kind kind, const char *name, struct hv_error *err)
{
	switch (kind) {
	case HV_KIND_DOMAIN:
		return hv_domain_undefine(conn, name, err);
	case HV_KIND_NETWORK:
		return hv_network_undefine(conn, name, err);
	case HV_KIND_POOL:
		return hv_pool_undefine(conn, name, err);
	case HV_KIND_HOST:
		break;
	}
	return bad_kind(kind, err);
}

int hv_object_rename(struct hv_conn *conn, enum hv_object_kind kind, const char *name, const char *new_name,
		     struct hv_error *err)
{
	switch (kind) {
	case HV_KIND_DOMAIN:
		return hv_domain_rename(conn, name, new_name, err);
	case HV_KIND_NETWORK:
		return hv_network_rename(conn, name, new_name, err);
	case HV_KIND_POOL:
		return hv_pool_rename(conn, name, new_name, err);
	case HV_KIND_HOST:
		break;
	}
	return bad_kind(kind, err);
}

int hv_object_set_autostart(struct hv_conn *conn, enum hv_object_kind kind, const char *name, bool autostart,
			    struct hv_error *err)
{
	switch (kind) {
	case HV_KIND_DOMAIN:
		return hv_domain_set_autostart(conn, name, autostart, err);
	case HV_KIND_NETWORK:
		return hv_network_set_autostart(conn, name, autostart, err);
	case HV_KIND_POOL:
		return hv_pool_set_autostart(conn, name, autostart, err);
	case HV_KIND_HOST:
		break;
	}
	return bad_kind(kind, err);
}
