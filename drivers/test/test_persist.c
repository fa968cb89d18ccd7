/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Persistence of the test driver (test:///ABS/PATH): one record per object
 * in the layout and format every driver uses (drivers/records.h),
 *
 *     PATH/domains/NAME   PATH/networks/NAME   PATH/pools/NAME
 *
 * the test driver's header keeping its whole model.  For example:
 *
 *     name web1
 *     state running
 *     id 3
 *     autostart 1
 *     cpu_time 1500000000
 *     uuid 0b9c...          \
 *     type test              |  derived from the XML, so that opening
 *     os_type hvm            |  10,000 domains needs no XML parsing;
 *     memory 131072          |  trusted only while xml_hash matches the
 *     max_memory 131072      |  text below (a hand-edited file is parsed)
 *     vcpus 1                |
 *     max_vcpus 1            |
 *     xml_hash 5d0c...      /
 *     devices 2                            every address the domain's devices
 *     address disk/vda pci 0000:00:01.0 auto   hold (test_devices.c); "auto"
 *     address interface/0 mac 52:54:... given  ones are in no XML: this is
 *                                              where they persist
 *
 *     <domain type='test'>...
 *
 * Every change is written with atomic_file_write() (temporary file, fsync,
 * rename, directory fsync) before the operation reports success, so a crash
 * loses nothing acknowledged and never leaves a torn file.  Seeding a new
 * directory, which acknowledges nothing until open() returns, writes without
 * per-file fsyncs and syncs the filesystem once at the end. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers/lifecycle.h"
#include "drivers/records.h"
#include "drivers/test/test_private.h"
#include "util/atomic_file.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/parse.h"
#include "util/strbuf.h"

#define FILE_MODE	 HV_RECORD_MODE
#define SEED_TEMP_PREFIX ".seed-"

/* Every kind, in the order in which they are seeded, saved and loaded. */
static const struct hv_kind_ops *const kinds[] = {&test_domain_kind, &test_network_kind, &test_pool_kind};

/* --- rendering ------------------------------------------------------------ */

static int render_domain(const struct test_domain *dom, struct strbuf *sb)
{
	const struct hv_domain_def *def = &dom->def;
	int ret = test_devices_render(dom, sb);

	return ret < 0 ? ret
		       : strbuf_printf(
			     sb,
			     "name %s\nstate %s\nid %d\nautostart %d\ncpu_time %llu\n"
			     "uuid %s\ntype %s\nos_type %s\nmemory %llu\nmax_memory %llu\n"
			     "vcpus %u\nmax_vcpus %u\nxml_hash %016llx\n",
			     dom->obj.name, hv_domain_state_name(dom->state), dom->id, dom->obj.autostart,
			     (unsigned long long)test_domain_cpu_time(dom, test_now_ns()), dom->obj.uuid,
			     def->type, def->os_type, (unsigned long long)def->memory_kib,
			     (unsigned long long)def->max_memory_kib, def->vcpus, def->max_vcpus,
			     (unsigned long long)hash_string(dom->obj.xml, 0));
}

static int render_network(const struct test_network *net, struct strbuf *sb)
{
	return strbuf_printf(sb, "name %s\nstate %s\nautostart %d\nuuid %s\n", net->obj.name,
			     net->active ? "active" : "inactive", net->obj.autostart, net->obj.uuid);
}

static int render_pool(const struct test_pool *pool, struct strbuf *sb)
{
	return strbuf_printf(
	    sb, "name %s\nstate %s\nautostart %d\nuuid %s\ncapacity %llu\nallocation %llu\navailable %llu\n",
	    pool->obj.name, hv_pool_state_name(pool->state), pool->obj.autostart, pool->obj.uuid,
	    (unsigned long long)pool->capacity, (unsigned long long)pool->allocation,
	    (unsigned long long)pool->available);
}

/* The object's header lines (drivers/records.h); its text follows them. */
static int render(enum hv_object_kind kind, const struct hv_object *obj, struct strbuf *sb)
{
	switch (kind) {
	case HV_KIND_DOMAIN:
		return render_domain(test_container_of(obj, const struct test_domain, obj), sb);
	case HV_KIND_NETWORK:
		return render_network(test_container_of(obj, const struct test_network, obj), sb);
	case HV_KIND_POOL:
		return render_pool(test_container_of(obj, const struct test_pool, obj), sb);
	case HV_KIND_HOST:
		break;
	}
	return -EINVAL;
}

/* --- saving --------------------------------------------------------------- */

int test_persist_object(struct test_driver *drv, enum hv_object_kind kind, const struct hv_object *obj,
			struct hv_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;

	if (!drv->dir)
		return 0;
	ret = render(kind, obj, &sb);
	if (ret == 0)
		ret = hv_record_write(drv->dir, kind, obj->name, strbuf_str(&sb), obj->xml, strlen(obj->xml));
	strbuf_finish(&sb);
	if (ret < 0) {
		log_error("cannot save %s '%s' under %s: %s", hv_object_kind_name(kind), obj->name, drv->dir,
			  strerror(-ret));
		return hv_error_set(err, EIO, "cannot save %s '%s' under %s: %s", hv_object_kind_name(kind),
				    obj->name, drv->dir, strerror(-ret));
	}
	return 0;
}

int test_persist_remove(struct test_driver *drv, enum hv_object_kind kind, const char *name,
			struct hv_error *err)
{
	int ret;

	if (!drv->dir)
		return 0;
	ret = hv_record_remove(drv->dir, kind, name);
	if (ret < 0) {
		log_error("cannot remove %s '%s' from %s: %s", hv_object_kind_name(kind), name, drv->dir,
			  strerror(-ret));
		return hv_error_set(err, EIO, "cannot remove %s '%s' from %s: %s", hv_object_kind_name(kind),
				    name, drv->dir, strerror(-ret));
	}
	return 0;
}

/* --- seeding a new directory ---------------------------------------------- */

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Temporary file and rename, without fsync: the caller syncs once. */
static int seed_write(int dir_fd, const char *name, struct strbuf *sb, int rendered)
{
	char temp[sizeof(SEED_TEMP_PREFIX) + HV_NAME_MAX];
	int ret = rendered;

	snprintf(temp, sizeof(temp), SEED_TEMP_PREFIX "%s", name);
	if (ret == 0) {
		auto_close int fd = openat(dir_fd, temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, FILE_MODE);
		ret = fd < 0 ? -errno : write_all(fd, strbuf_str(sb), sb->len);
		if (ret == 0 && renameat(dir_fd, temp, dir_fd, name) < 0)
			ret = -errno;
		if (ret < 0)
			unlinkat(dir_fd, temp, 0);
	}
	strbuf_finish(sb);
	return ret;
}

static int seed_write_all(struct test_driver *drv, struct hv_error *err)
{
	int ret = 0;

	for (size_t k = 0; k < ARRAY_SIZE(kinds) && ret == 0; k++) {
		enum hv_object_kind kind = kinds[k]->kind;
		auto_close int dir_fd =
		    openat(drv->dir_fd, hv_object_kind_dir(kind), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir_fd < 0) {
			ret = -errno;
			break;
		}
		for (struct hv_object *obj = hv_kind_table(&drv->kinds, kinds[k])->head; obj && ret == 0;
		     obj = obj->next) {
			struct strbuf sb = STRBUF_INIT;
			int rendered = render(kind, obj, &sb);
			if (rendered == 0)
				rendered = strbuf_printf(&sb, "\n%s", obj->xml);
			ret = seed_write(dir_fd, obj->name, &sb, rendered);
		}
	}
	if (ret == 0 && syncfs(drv->dir_fd) < 0)
		ret = -errno;
	if (ret < 0)
		return hv_error_set(err, EIO, "cannot seed %s: %s", drv->dir, strerror(-ret));
	return 0;
}

/* --- loading -------------------------------------------------------------- */

static bool domain_state_parse(const char *word, enum hv_domain_state *out)
{
	for (int s = HV_DOMAIN_NOSTATE; word && s <= HV_DOMAIN_PMSUSPENDED; s++) {
		if (strcmp(hv_domain_state_name((enum hv_domain_state)s), word) == 0) {
			*out = (enum hv_domain_state)s;
			return true;
		}
	}
	return false;
}

static bool pool_state_parse(const char *word, enum hv_pool_state *out)
{
	for (int s = HV_POOL_INACTIVE; word && s <= HV_POOL_INACCESSIBLE; s++) {
		if (strcmp(hv_pool_state_name((enum hv_pool_state)s), word) == 0) {
			*out = (enum hv_pool_state)s;
			return true;
		}
	}
	return false;
}

/* The derived fields of the header, when they are complete and describe
 * exactly this text; otherwise the caller parses the XML. */
static bool domain_def_from_header(const struct hv_record *h, const char *name, struct hv_domain_def *def)
{
	uint64_t hash, memory, max_memory, vcpus, max_vcpus;
	const char *hash_text = hv_record_get(h, "xml_hash");
	char *end;

	if (!hash_text)
		return false;
	errno = 0;
	hash = strtoull(hash_text, &end, 16);
	if (errno || *end || hash != hash_string(h->body, 0))
		return false;
	*def = (struct hv_domain_def){0};
	snprintf(def->name, sizeof(def->name), "%s", name);
	if (!hv_record_copy(h, "uuid", def->uuid, sizeof(def->uuid)) ||
	    hv_uuid_normalize(def->uuid, def->uuid) < 0 ||
	    !hv_record_copy(h, "type", def->type, sizeof(def->type)) ||
	    !hv_record_copy(h, "os_type", def->os_type, sizeof(def->os_type)))
		return false;
	if (!hv_record_u64(h, "memory", UINT64_MAX, &memory) ||
	    !hv_record_u64(h, "max_memory", UINT64_MAX, &max_memory) ||
	    !hv_record_u64(h, "vcpus", TEST_VCPUS_MAX, &vcpus) ||
	    !hv_record_u64(h, "max_vcpus", TEST_VCPUS_MAX, &max_vcpus))
		return false;
	if (memory < 1 || memory > max_memory || vcpus < 1 || vcpus > max_vcpus)
		return false;
	def->memory_kib = memory;
	def->max_memory_kib = max_memory;
	def->vcpus = (unsigned)vcpus;
	def->max_vcpus = (unsigned)max_vcpus;
	return true;
}

/* What loading every kind shares: the definition (parsed, unless the
 * caller has it from the header already), then the object in the model
 * with its autostart flag. */
static int load_object(struct test_driver *drv, const struct hv_kind_ops *ops, const char *name,
		       const struct hv_record *h, union test_def *def, bool def_known, struct hv_object **out,
		       struct hv_error *err)
{
	uint64_t autostart = 0;
	char *xml, *def_name, *uuid;
	int ret;

	if (!def_known) {
		ret = ops->parse(h->body, h->body_len, name, true, def, err);
		if (ret < 0)
			return ret;
		/* config.xml is stored as written, maybe without a <uuid>:
		 * the header has the one the object got. */
		ops->identity(def, &def_name, &uuid);
		if (!uuid[0] && (!hv_record_copy(h, "uuid", uuid, HV_UUID_STRLEN + 1) ||
				 hv_uuid_normalize(uuid, uuid) < 0))
			return hv_error_set(err, EINVAL, "the definition has no UUID");
	}
	xml = strndup(h->body, h->body_len);
	if (!xml)
		return hv_error_set(err, ENOMEM, "out of memory");
	ret = hv_kind_insert(&drv->kinds, ops, def, xml, out, err);
	if (ret < 0)
		return ret;
	hv_record_u64(h, "autostart", 1, &autostart);
	(*out)->autostart = autostart;
	return 0;
}

/* The addresses in the header: trusted when the header describes exactly
 * this text and lists them all, hints otherwise (test_devices_load). */
static void load_addresses(struct test_driver *drv, struct test_domain *dom, const struct hv_record *h,
			   bool def_known)
{
	uint64_t listed = 0;
	bool complete = hv_record_u64(h, "devices", UINT32_MAX, &listed);
	unsigned count = 0;

	for (size_t i = 0; i < h->count; i++)
		count += strcmp(h->keys[i], "address") == 0;
	dom->addrs = count ? calloc(count, sizeof(*dom->addrs)) : NULL;
	count = 0;
	for (size_t i = 0; dom->addrs && i < h->count; i++) {
		if (strcmp(h->keys[i], "address") != 0)
			continue;
		if (test_devices_parse_line(h->values[i], &dom->addrs[count]))
			count++;
		else
			complete = false;
	}
	dom->addr_count = count;
	test_devices_load(drv, dom, def_known && complete && listed == count);
}

static int load_domain(struct test_driver *drv, const char *name, const struct hv_record *h, uint64_t now,
		       struct hv_error *err)
{
	union test_def def;
	struct hv_object *obj;
	enum hv_domain_state state;
	uint64_t id = 0, cpu_time = 0;
	int ret;

	if (!domain_state_parse(hv_record_get(h, "state"), &state))
		return hv_error_set(err, EINVAL, "no valid state line");
	hv_record_u64(h, "id", INT32_MAX, &id);
	hv_record_u64(h, "cpu_time", UINT64_MAX, &cpu_time);
	bool def_known = domain_def_from_header(h, name, &def.domain);

	ret = load_object(drv, &test_domain_kind, name, h, &def, def_known, &obj, err);
	if (ret < 0)
		return ret;

	struct test_domain *dom = test_container_of(obj, struct test_domain, obj);
	load_addresses(drv, dom, h, def_known);
	dom->cpu_time_ns = cpu_time;
	if (state == HV_DOMAIN_NOSTATE)
		state = HV_DOMAIN_SHUTOFF;
	dom->state = state;
	if (hv_domain_state_is_active(state)) {
		/* Ids of domains that were running come back; 0 is fixed up
		 * once every id is known. */
		dom->id = (int)id;
		if (state == HV_DOMAIN_RUNNING || state == HV_DOMAIN_BLOCKED || state == HV_DOMAIN_SHUTDOWN)
			dom->running_since_ns = now;
	}
	if (dom->id >= drv->next_id)
		drv->next_id = dom->id + 1;
	return 0;
}

static int load_network(struct test_driver *drv, const char *name, const struct hv_record *h,
			struct hv_error *err)
{
	const char *state = hv_record_get(h, "state");
	union test_def def;
	struct hv_object *obj;
	int ret = load_object(drv, &test_network_kind, name, h, &def, false, &obj, err);

	if (ret < 0)
		return ret;
	test_container_of(obj, struct test_network, obj)->active = state && strcmp(state, "active") == 0;
	return 0;
}

static int load_pool(struct test_driver *drv, const char *name, const struct hv_record *h,
		     struct hv_error *err)
{
	enum hv_pool_state state = HV_POOL_INACTIVE;
	union test_def def;
	struct hv_object *obj;
	int ret = load_object(drv, &test_pool_kind, name, h, &def, false, &obj, err);

	if (ret < 0)
		return ret;
	struct test_pool *pool = test_container_of(obj, struct test_pool, obj);
	pool_state_parse(hv_record_get(h, "state"), &state);
	/* A build that was under way when we stopped did not finish. */
	pool->state = state == HV_POOL_BUILDING ? HV_POOL_INACTIVE : state;
	hv_record_u64(h, "capacity", UINT64_MAX, &pool->capacity);
	hv_record_u64(h, "allocation", UINT64_MAX, &pool->allocation);
	hv_record_u64(h, "available", UINT64_MAX, &pool->available);
	return 0;
}

static int load_kind(struct test_driver *drv, enum hv_object_kind kind, uint64_t now, struct hv_error *err)
{
	struct hv_name_list names = {0};
	int ret = hv_record_list(drv->dir, kind, &names, err);

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < names.count; i++) {
		const char *name = names.names[i];
		char path[PATH_MAX];
		auto_free char *text = NULL;
		struct hv_error why = {0};
		struct hv_record h;
		size_t len = 0;

		snprintf(path, sizeof(path), "%s/%s/%s", drv->dir, hv_object_kind_dir(kind), name);
		ret = file_read_all(path, HV_RECORD_MAX, &text, &len);
		if (ret == -EISDIR || ret == -ENOENT)
			continue;
		if (ret < 0) {
			hv_error_set(&why, -ret, "%s", strerror(-ret));
		} else if (hv_record_parse(text, len, &h) < 0) {
			hv_error_set(&why, EINVAL, "no header (key value lines, then a blank line)");
		} else if (!hv_record_get(&h, "name") || strcmp(hv_record_get(&h, "name"), name) != 0) {
			hv_error_set(&why, EINVAL, "its name line does not match the file name");
		} else if (kind == HV_KIND_DOMAIN) {
			load_domain(drv, name, &h, now, &why);
		} else if (kind == HV_KIND_NETWORK) {
			load_network(drv, name, &h, &why);
		} else {
			load_pool(drv, name, &h, &why);
		}
		/* One bad file must not make the whole host unmountable: it
		 * stays on disk for the administrator, the rest loads. */
		if (why.code == ENOMEM) {
			hv_name_list_finish(&names);
			return hv_error_set(err, ENOMEM, "out of memory");
		}
		if (why.code)
			log_error("%s: ignored: %s", path, why.message);
	}
	hv_name_list_finish(&names);
	return 0;
}

/* A domain that was shutting down has completed it, and a running one
 * whose id was lost gets one.  Returns whether that changed it. */
static bool settle_domain(struct test_driver *drv, struct test_domain *dom, uint64_t now)
{
	bool dirty = false;

	if (dom->state == HV_DOMAIN_SHUTDOWN) {
		dom->cpu_time_ns = test_domain_cpu_time(dom, now);
		dom->state = HV_DOMAIN_SHUTOFF;
		dom->id = -1;
		dom->running_since_ns = 0;
		dirty = true;
	}
	if (hv_domain_state_is_active(dom->state) && dom->id < 1) {
		dom->id = drv->next_id++;
		dirty = true;
	}
	return dirty;
}

/* After loading: domains are settled, and autostart objects that are not
 * running start. */
static void settle_loaded(struct test_driver *drv, uint64_t now)
{
	struct hv_error err = {0};

	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		const struct hv_kind_ops *ops = kinds[k];

		for (struct hv_object *obj = hv_kind_table(&drv->kinds, ops)->head; obj; obj = obj->next) {
			bool dirty = ops->kind == HV_KIND_DOMAIN &&
				     settle_domain(drv, test_container_of(obj, struct test_domain, obj), now);

			if (!ops->is_active(obj) && obj->autostart) {
				ops->boot(drv, obj, now);
				log_info("autostarted %s '%s'", hv_kind_words(ops->kind)->word, obj->name);
				dirty = true;
			}
			if (dirty && test_persist_object(drv, ops->kind, obj, &err) < 0)
				hv_error_clear(&err);
		}
	}
}

int test_persist_open(struct test_driver *drv, struct hv_error *err)
{
	bool fresh = true;
	uint64_t now = test_now_ns();
	int ret = mkdir_parents(drv->dir);

	if (ret < 0)
		return hv_error_set(err, EIO, "cannot create %s: %s", drv->dir, strerror(-ret));
	drv->dir_fd = open(drv->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (drv->dir_fd < 0)
		return hv_error_set(err, EIO, "cannot open %s: %s", drv->dir, strerror(errno));
	/* Two daemons saving into one directory would overwrite each other. */
	if (flock(drv->dir_fd, LOCK_EX | LOCK_NB) < 0)
		return hv_error_set(err, errno == EWOULDBLOCK ? EBUSY : EIO,
				    "%s is in use by another hvfs: %s", drv->dir, strerror(errno));

	/* A directory is new when it has none of our subdirectories; one whose
	 * objects were all undefined stays empty rather than being reseeded. */
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		if (mkdirat(drv->dir_fd, hv_object_kind_dir(kinds[k]->kind), 0700) < 0) {
			if (errno != EEXIST)
				return hv_error_set(err, EIO, "cannot create %s/%s: %s", drv->dir,
						    hv_object_kind_dir(kinds[k]->kind), strerror(errno));
			fresh = false;
		}
	}
	if (fresh) {
		ret = test_seed_demo(drv, err);
		if (ret == 0)
			ret = test_seed_generated(drv, drv->generated_domains, err);
		if (ret == 0)
			ret = seed_write_all(drv, err);
		return ret;
	}
	if (drv->generated_domains)
		log_info("%s is not new: domains=%u is ignored (generated domains are part of the seed)",
			 drv->dir, drv->generated_domains);
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		ret = load_kind(drv, kinds[k]->kind, now, err);
		if (ret < 0)
			return ret;
	}
	settle_loaded(drv, now);
	return 0;
}
