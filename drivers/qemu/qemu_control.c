/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The QEMU driver's lifecycle commands and live values, each a QMP command
 * or a signal (docs/qemu.md, "What maps to what").  No QMP call is made
 * holding the driver lock (qemu_qmp_call_locked drops it), so a QEMU that
 * hangs costs its own domain's callers the QMP timeout and no one else
 * anything. */
#include <errno.h>
#include <json.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>

#include "drivers/lifecycle.h"
#include "drivers/qemu/qemu_private.h"
#include "drivers/records.h"
#include "drivers/tunables.h"
#include "util/atomic_file.h"
#include "util/cleanup.h"
#include "util/log.h"

#define VCPUS_MAX 255 /* i440fx/q35 without an x2APIC IOMMU */
/* A start changes what every file of a running domain shows. */
#define START_FIELDS                                                                                         \
	(HV_FIELD_STATE | HV_FIELD_ID | HV_FIELD_MEMORY | HV_FIELD_VCPUS | HV_FIELD_DEVICES | HV_FIELD_KEYS)

static struct qemu_driver *driver_of(struct hv_conn *conn)
{
	return conn->priv;
}

int qemu_start_locked(struct qemu_driver *drv, struct qemu_domain *dom, struct hv_error *err)
{
	char name[HV_NAME_MAX + 1];
	struct hv_domain_def def = dom->def;
	auto_free char *xml = strdup(dom->obj.xml);
	struct qemu_run *run = NULL;
	char *live = NULL, path[PATH_MAX];
	int ret;

	if (!xml)
		return hv_error_set(err, ENOMEM, "out of memory");
	snprintf(name, sizeof(name), "%s", dom->obj.name);
	/* Starting takes QEMU's start-up: other domains go on meanwhile, this
	 * one is busy (undefine, rename and other commands are EBUSY). */
	dom->busy = true;
	pthread_mutex_unlock(&drv->lock);
	ret = qemu_launch(drv, name, xml, &def, &run, &live, err);
	pthread_mutex_lock(&drv->lock);
	dom->busy = false;
	if (ret < 0)
		return ret;
	dom->run = run;
	dom->live_xml = live;
	dom->state = HV_DOMAIN_RUNNING;
	dom->live_memory_kib = def.memory_kib;
	dom->live_vcpus = def.vcpus;
	dom->last_exit[0] = '\0';
	run->serial = ++drv->next_serial;
	if (qemu_persist_run(drv, dom, err) < 0 || qemu_monitor_watch(drv, run) < 0) {
		if (!err->code)
			hv_error_set(err, EIO, "cannot watch QEMU (pid %d)", (int)run->pid);
		run->destroying = true;
		pthread_mutex_unlock(&drv->lock);
		qemu_kill(drv, run);
		pthread_mutex_lock(&drv->lock);
		if (dom->run == run)
			qemu_run_ended_locked(drv, dom, NULL);
		dom->state = HV_DOMAIN_SHUTOFF;
		return -err->code;
	}
	qemu_run_path(drv, name, "crashed", path, sizeof(path));
	atomic_file_remove(path);
	return 0;
}

/* Whether dom, found before the lock was dropped, is still name's and
 * still running run: compares pointers before following any. */
static bool still_running(struct qemu_driver *drv, const char *name, const struct qemu_domain *dom,
			  const struct qemu_run *run)
{
	return hv_table_find(&drv->domains, name) == &dom->obj && dom->run == run;
}

/* Destroys dom's run: SIGTERM (QEMU's clean quit), SIGKILL if it does not
 * go.  Locked on entry and exit; the run has ended when it returns. */
static void destroy_locked(struct qemu_driver *drv, struct qemu_domain *dom, struct hv_change_batch *changes)
{
	struct qemu_run *run = dom->run;

	run->destroying = true;
	dom->busy = true;
	qemu_run_ref(run);
	pthread_mutex_unlock(&drv->lock);
	qemu_kill(drv, run);
	pthread_mutex_lock(&drv->lock);
	dom->busy = false;
	if (dom->run == run)
		qemu_run_ended_locked(drv, dom, changes);
	pthread_mutex_unlock(&drv->lock);
	qemu_run_unref(drv, run);
	pthread_mutex_lock(&drv->lock);
}

/* The lifecycle command on dom (locked): 0 with the transition made and
 * reported in changes. */
static int control(struct qemu_driver *drv, struct qemu_domain *dom, enum hv_domain_command command,
		   const struct hv_transition *next, struct hv_change_batch *changes, struct hv_error *err)
{
	struct qemu_run *run = dom->run;
	const char *qmp_command = NULL;
	char name[HV_NAME_MAX + 1];
	int ret = 0;

	snprintf(name, sizeof(name), "%s", dom->obj.name);
	switch (command) {
	case HV_DOMAIN_CMD_START:
		ret = qemu_start_locked(drv, dom, err);
		break;
	case HV_DOMAIN_CMD_DESTROY:
		destroy_locked(drv, dom, changes);
		return 0; /* reported by the end of the run */
	case HV_DOMAIN_CMD_SHUTDOWN:
		qmp_command = "system_powerdown"; /* ACPI: the guest decides */
		break;
	case HV_DOMAIN_CMD_REBOOT:
		qmp_command = "send-key"; /* ctrl-alt-del: the guest reboots itself */
		break;
	case HV_DOMAIN_CMD_RESET:
		qmp_command = "system_reset";
		break;
	case HV_DOMAIN_CMD_SUSPEND:
		qmp_command = "stop";
		break;
	case HV_DOMAIN_CMD_RESUME:
		qmp_command = "cont";
		break;
	}
	if (qmp_command) {
		struct json_object *args = NULL;
		if (command == HV_DOMAIN_CMD_REBOOT) {
			struct json_object *keys = json_object_new_array();
			const char *const combo[] = {"ctrl", "alt", "delete"};
			for (size_t i = 0; i < ARRAY_SIZE(combo); i++) {
				struct json_object *key = json_object_new_object();
				json_object_object_add(key, "type", json_object_new_string("qcode"));
				json_object_object_add(key, "data", json_object_new_string(combo[i]));
				json_object_array_add(keys, key);
			}
			args = json_object_new_object();
			json_object_object_add(args, "keys", keys);
		}
		qemu_run_ref(run);
		if (command == HV_DOMAIN_CMD_RESET)
			run->resets_quiet_until_ns = qemu_now_ns() + QEMU_RESET_QUIET_NS;
		run->suspending = command == HV_DOMAIN_CMD_SUSPEND;
		run->resuming = command == HV_DOMAIN_CMD_RESUME;
		ret = qemu_qmp_call_locked(drv, run, qmp_command, args, NULL, err);
		run->suspending = run->resuming = false;
		if (ret < 0 && command == HV_DOMAIN_CMD_RESET)
			run->resets_quiet_until_ns = 0;
		/* The run may have ended meanwhile (the guest powered off),
		 * and the domain even gone. */
		if (ret == 0 && !still_running(drv, name, dom, run))
			ret = hv_error_set(err, EBUSY, "domain '%s' stopped meanwhile", name);
		if (ret == 0 && command == HV_DOMAIN_CMD_SHUTDOWN) {
			run->shutdown_requested = true;
			run->shutdown_deadline_ns =
			    qemu_now_ns() + (uint64_t)drv->shutdown_timeout_ms * 1000000ULL;
			qemu_persist_run(drv, dom, NULL);
			qemu_monitor_wake(drv);
		}
		pthread_mutex_unlock(&drv->lock);
		qemu_run_unref(drv, run);
		pthread_mutex_lock(&drv->lock);
	}
	if (ret < 0)
		return ret;
	/* A reboot leaves the guest running; its RESET says when it happened. */
	if (command != HV_DOMAIN_CMD_REBOOT || dom->state != next->next) {
		dom->state = next->next;
		hv_batch_lifecycle(changes, HV_KIND_DOMAIN, dom->obj.name, next->event, next->detail,
				   command == HV_DOMAIN_CMD_START ? START_FIELDS : HV_FIELD_STATE);
	}
	return 0;
}

int qemu_domain_control(struct hv_conn *conn, const char *name, enum hv_domain_command command,
			struct hv_error *err)
{
	struct qemu_driver *drv = driver_of(conn);
	struct hv_change_batch changes = {0};
	struct qemu_domain *dom;
	struct hv_transition next;
	int ret;

	pthread_mutex_lock(&drv->lock);
	dom = qemu_find(drv, name, err);
	if (!dom)
		ret = -ENOENT;
	else if (dom->busy)
		ret = hv_error_set(err, EBUSY, "domain '%s' is being started or stopped", name);
	else
		ret = hv_lifecycle_next(dom->state, command, &next, err);
	if (ret == 0)
		ret = control(drv, dom, command, &next, &changes, err);
	pthread_mutex_unlock(&drv->lock);
	hv_batch_emit(drv->conn, &changes);
	return ret;
}

/* --- live values ---------------------------------------------------------- */

/* Writes def (changed by a setter) into dom's text and record (locked). */
static int update_def(struct qemu_driver *drv, struct qemu_domain *dom, const struct hv_domain_def *def,
		      struct hv_error *err)
{
	auto_free char *fixed = NULL;
	int ret = hv_domain_xml_update(dom->obj.xml, strlen(dom->obj.xml), def, &fixed, err);

	if (ret == 0)
		ret = hv_definition_write(drv->state_dir, HV_KIND_DOMAIN, dom->obj.name, fixed, def->uuid,
					  dom->obj.autostart, err);
	if (ret == 0) {
		free(dom->obj.xml);
		dom->obj.xml = move_ptr(fixed);
		dom->def = *def;
	}
	return ret;
}

/* The balloon's new target: memory reads its actual size, which follows
 * (BALLOON_CHANGE) as the guest gives pages up or takes them back. */
static int apply_memory(struct qemu_driver *drv, struct qemu_domain *dom, uint64_t kib, struct hv_error *err)
{
	struct json_object *args = json_object_new_object();

	json_object_object_add(args, "value", json_object_new_int64((int64_t)(kib * 1024)));
	return qemu_qmp_call_locked(drv, dom->run, "balloon", args, NULL, err);
}

static int set_value(struct hv_conn *conn, const char *name, enum hv_tunable what, uint64_t value,
		     struct hv_error *err)
{
	static const struct hv_tunable_limits limits = {.min_memory_kib = 1024, .max_vcpus = VCPUS_MAX};
	struct qemu_driver *drv = driver_of(conn);
	struct hv_change_batch changes = {0};
	struct qemu_domain *dom;
	struct hv_domain_def def;
	struct qemu_run *run;
	bool active;
	int ret;

	pthread_mutex_lock(&drv->lock);
	dom = qemu_find(drv, name, err);
	if (!dom) {
		pthread_mutex_unlock(&drv->lock);
		return -ENOENT;
	}
	def = dom->def;
	run = dom->run;
	active = run != NULL || dom->busy;
	ret = hv_tunable_apply(&def, active, what, value, &limits, err);
	if (ret == 1) {
		pthread_mutex_unlock(&drv->lock);
		return 0;
	}
	if (ret == 0 && dom->busy)
		ret = hv_error_set(err, EBUSY, "domain '%s' is being started or stopped", name);
	if (ret == 0 && run && what == HV_TUNABLE_VCPUS)
		ret = hv_error_set(
		    err, EOPNOTSUPP,
		    "the qemu driver cannot hot-plug vCPUs yet: change <vcpu current> and restart");
	if (ret == 0 && run) {
		qemu_run_ref(run);
		ret = apply_memory(drv, dom, value, err);
		if (ret == 0 && !still_running(drv, name, dom, run))
			ret = hv_error_set(err, EBUSY, "domain '%s' stopped meanwhile", name);
		pthread_mutex_unlock(&drv->lock);
		qemu_run_unref(drv, run);
		pthread_mutex_lock(&drv->lock);
	}
	if (ret == 0) {
		/* The definition may have changed while QEMU was asked: the
		 * value goes into the one there is now. */
		struct hv_domain_def now = dom->def;
		if (hv_tunable_apply(&now, active, what, value, &limits, err) >= 0)
			ret = update_def(drv, dom, &now, err);
	}
	if (ret == 0)
		hv_batch_modified(&changes, HV_KIND_DOMAIN, name,
				  hv_tunable_fields(what) & ~(active ? (uint32_t)HV_FIELD_MEMORY : 0u));
	pthread_mutex_unlock(&drv->lock);
	hv_batch_emit(drv->conn, &changes);
	return ret;
}

int qemu_domain_set_memory(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err)
{
	return set_value(conn, name, HV_TUNABLE_MEMORY, kib, err);
}

int qemu_domain_set_max_memory(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err)
{
	return set_value(conn, name, HV_TUNABLE_MAX_MEMORY, kib, err);
}

int qemu_domain_set_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err)
{
	return set_value(conn, name, HV_TUNABLE_VCPUS, vcpus, err);
}

int qemu_domain_set_max_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err)
{
	return set_value(conn, name, HV_TUNABLE_MAX_VCPUS, vcpus, err);
}
