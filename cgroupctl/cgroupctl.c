/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroupctl: see cgroupctl.h.
 *
 * Which half does what, and why (facts measured with libcgroup 2.0.2, see
 * /work/shared/notes/cgroups-on-these-machines.md):
 *
 *  - v1 hierarchies go through libcgroup: create, attach, modify (limits,
 *    freezer.state) and delete all behave there.  Its return codes are
 *    still only hints, so every result is checked in the filesystem.
 *  - the cgroup2 hierarchy is plain file I/O.  On the unified side
 *    libcgroup reports failure for calls that succeeded (create/attach
 *    50002, delete 50016), leaves half-made v1 directories behind when
 *    handed a v2 key for a v1-bound controller, and cgroup_get_cgroup does
 *    not read cgroup.freeze back.  mkdir/write/rmdir give honest errnos.
 *  - reads (statistics, limits, freezer state) are plain file reads on
 *    both: cgroup_get_cgroup reads every file of every hierarchy to return
 *    one number, and skips some on the unified side. */
#include "cgroupctl/cgroupctl.h"

#include <errno.h>
#include <fcntl.h>
#include <libcgroup.h>
#include <mntent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const controller_names[CGCTL_NCONTROLLERS] = {
    [CGCTL_CPU] = "cpu",       [CGCTL_CPUACCT] = "cpuacct", [CGCTL_CPUSET] = "cpuset",
    [CGCTL_MEMORY] = "memory", [CGCTL_PIDS] = "pids",	    [CGCTL_FREEZER] = "freezer",
};

struct cgctl_group {
	struct cgctl_layout layout;
	char rel[PATH_MAX]; /* "parent/name" without a leading slash */
	char path[CGCTL_NCONTROLLERS][PATH_MAX];
	char unified_path[PATH_MAX];
};

const char *cgctl_mode_name(enum cgctl_mode mode)
{
	switch (mode) {
	case CGCTL_V1:
		return "v1";
	case CGCTL_V2:
		return "v2";
	case CGCTL_HYBRID:
		return "hybrid";
	}
	return "?";
}

const char *cgctl_controller_name(enum cgctl_controller c)
{
	return (unsigned)c < CGCTL_NCONTROLLERS ? controller_names[c] : "?";
}

/* --- files ------------------------------------------------------------------ */

static int read_text(const char *path, char *buf, size_t size, struct hv_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return hv_error_set(err, errno, "cannot open %s: %s", path, strerror(errno));
	n = read(fd, buf, size - 1);
	if (n < 0) {
		int e = errno;
		close(fd);
		return hv_error_set(err, e, "cannot read %s: %s", path, strerror(e));
	}
	close(fd);
	buf[n] = '\0';
	return 0;
}

/* cgroupfs reports a rejected value on write(2), not on open(2). */
static int write_text(const char *path, const char *text, struct hv_error *err)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	size_t len = strlen(text);

	if (fd < 0)
		return hv_error_set(err, errno, "cannot open %s: %s", path, strerror(errno));
	n = write(fd, text, len);
	if (n < 0 || (size_t)n != len) {
		int e = n < 0 ? errno : EIO;
		close(fd);
		return hv_error_set(err, e, "cannot write '%s' to %s: %s", text, path, strerror(e));
	}
	close(fd);
	return 0;
}

/* A number, or "max" (v2) for no limit.  v1 shows "no limit" as a huge
 * page-aligned number, which callers map themselves. */
static int read_u64(const char *path, uint64_t *value, struct hv_error *err)
{
	char buf[64], *end;
	int r = read_text(path, buf, sizeof(buf), err);

	if (r < 0)
		return r;
	if (strncmp(buf, "max", 3) == 0) {
		*value = CGCTL_UNLIMITED;
		return 0;
	}
	errno = 0;
	*value = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		return hv_error_set(err, EIO, "%s holds '%.20s', not a number", path, buf);
	return 0;
}

/* One "key value" line of a flat-keyed file (cpu.stat, cgroup.events). */
static int read_key(const char *path, const char *key, uint64_t *value, struct hv_error *err)
{
	char buf[4096], *line, *save = NULL;
	size_t klen = strlen(key);
	int r = read_text(path, buf, sizeof(buf), err);

	if (r < 0)
		return r;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			*value = strtoull(line + klen + 1, NULL, 10);
			return 0;
		}
	}
	return hv_error_set(err, EIO, "%s has no '%s' line", path, key);
}

static int join(char *out, const char *dir, const char *file, struct hv_error *err)
{
	if (snprintf(out, PATH_MAX, "%s/%s", dir, file) >= PATH_MAX)
		return hv_error_set(err, ENAMETOOLONG, "path %s/%s is too long", dir, file);
	return 0;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* --- libcgroup -------------------------------------------------------------- */

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static int lib_status;

static void lib_init(void)
{
	lib_status = cgroup_init();
}

static int lib_error(struct hv_error *err, int code, const char *what, const char *rel)
{
	int e = code == ECGOTHER ? cgroup_get_last_errno() : EIO;
	return hv_error_set(err, e ? e : EIO, "libcgroup: %s %s: %s", what, rel, cgroup_strerror(code));
}

static int lib_ready(struct hv_error *err)
{
	pthread_once(&lib_once, lib_init);
	if (lib_status != 0)
		return lib_error(err, lib_status, "cgroup_init for", "the host");
	return 0;
}

static bool has_v1(const struct cgctl_layout *l)
{
	for (int c = 0; c < CGCTL_NCONTROLLERS; c++)
		if (l->controller[c].present && !l->controller[c].v2)
			return true;
	return false;
}

/* A libcgroup handle for the group naming every v1 controller the host
 * has.  The unified hierarchy is left out on purpose (see the top). */
static struct cgroup *lib_group(const struct cgctl_group *g, struct hv_error *err)
{
	struct cgroup *cg;

	if (lib_ready(err) < 0)
		return NULL;
	cg = cgroup_new_cgroup(g->rel);
	if (!cg) {
		hv_error_set(err, ENOMEM, "libcgroup: cannot allocate a handle for %s", g->rel);
		return NULL;
	}
	for (int c = 0; c < CGCTL_NCONTROLLERS; c++) {
		if (!g->layout.controller[c].present || g->layout.controller[c].v2)
			continue;
		if (!cgroup_add_controller(cg, controller_names[c])) {
			cgroup_free(&cg);
			hv_error_set(err, ENOMEM, "libcgroup: cannot add %s to %s", controller_names[c],
				     g->rel);
			return NULL;
		}
	}
	return cg;
}

/* Writes one v1 file through cgroup_modify_cgroup.  A fresh handle per
 * value: libcgroup refuses to add a value twice (50010). */
static int lib_set(const struct cgctl_group *g, enum cgctl_controller c, const char *file, const char *value,
		   struct hv_error *err)
{
	struct cgroup *cg;
	struct cgroup_controller *ctl;
	int r;

	if (lib_ready(err) < 0)
		return -EIO;
	cg = cgroup_new_cgroup(g->rel);
	if (!cg)
		return hv_error_set(err, ENOMEM, "libcgroup: cannot allocate a handle for %s", g->rel);
	ctl = cgroup_add_controller(cg, controller_names[c]);
	r = ctl ? cgroup_set_value_string(ctl, file, value) : ECGFAIL;
	if (r == 0)
		r = cgroup_modify_cgroup(cg);
	cgroup_free(&cg);
	if (r != 0)
		return lib_error(err, r, "setting", file);
	return 0;
}

/* --- layout ----------------------------------------------------------------- */

static bool word_in(const char *list, const char *word)
{
	size_t len = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += len)
		if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\n' || p[len] == '\0'))
			return true;
	return false;
}

int cgctl_detect(struct cgctl_layout *layout, struct hv_error *err)
{
	FILE *f = setmntent("/proc/self/mounts", "re");
	struct mntent ent;
	char buf[4096], list[1024], path[PATH_MAX];
	bool any_v1 = false;
	int r;

	memset(layout, 0, sizeof(*layout));
	if (!f)
		return hv_error_set(err, errno, "cannot read /proc/self/mounts: %s", strerror(errno));
	while (getmntent_r(f, &ent, buf, sizeof(buf))) {
		if (strcmp(ent.mnt_type, "cgroup2") == 0) {
			/* The first mount wins: later ones are bind mounts. */
			if (!layout->unified[0])
				snprintf(layout->unified, sizeof(layout->unified), "%s", ent.mnt_dir);
			continue;
		}
		if (strcmp(ent.mnt_type, "cgroup") != 0)
			continue;
		for (int c = 0; c < CGCTL_NCONTROLLERS; c++) {
			struct cgctl_controller_info *ci = &layout->controller[c];
			if (ci->present || !hasmntopt(&ent, controller_names[c]))
				continue;
			ci->present = true;
			snprintf(ci->mount, sizeof(ci->mount), "%s", ent.mnt_dir);
			any_v1 = true;
		}
	}
	endmntent(f);

	if (layout->unified[0]) {
		if ((r = join(path, layout->unified, "cgroup.controllers", err)) < 0)
			return r;
		if ((r = read_text(path, list, sizeof(list), err)) < 0)
			return r;
		for (int c = 0; c < CGCTL_NCONTROLLERS; c++) {
			struct cgctl_controller_info *ci = &layout->controller[c];
			if (ci->present || !word_in(list, controller_names[c]))
				continue;
			ci->present = true;
			ci->v2 = true;
			snprintf(ci->mount, sizeof(ci->mount), "%s", layout->unified);
		}
	}
	if (!any_v1 && !layout->unified[0])
		return hv_error_set(err, ENOENT, "this host has no cgroup filesystem mounted");
	layout->mode = !any_v1 ? CGCTL_V2 : layout->unified[0] ? CGCTL_HYBRID : CGCTL_V1;
	return 0;
}

/* --- groups ----------------------------------------------------------------- */

const char *cgctl_group_path(const struct cgctl_group *group, enum cgctl_controller c)
{
	if ((unsigned)c >= CGCTL_NCONTROLLERS || !group->layout.controller[c].present)
		return NULL;
	return group->path[c];
}

const char *cgctl_group_unified_path(const struct cgctl_group *group)
{
	return group->unified_path[0] ? group->unified_path : NULL;
}

void cgctl_group_destroy(struct cgctl_group *group)
{
	free(group);
}

/* On a v2 hierarchy a controller's files appear in a child only once every
 * ancestor lists it in cgroup.subtree_control.  Enabling is idempotent. */
static int enable_v2_controllers(const struct cgctl_group *g, const char *parent, struct hv_error *err)
{
	char dir[PATH_MAX], file[PATH_MAX], word[32];
	const char *p = parent;
	int r;

	snprintf(dir, sizeof(dir), "%s", g->layout.unified);
	for (;;) {
		if ((r = join(file, dir, "cgroup.subtree_control", err)) < 0)
			return r;
		for (int c = 0; c < CGCTL_NCONTROLLERS; c++) {
			if (!g->layout.controller[c].present || !g->layout.controller[c].v2)
				continue;
			snprintf(word, sizeof(word), "+%s", controller_names[c]);
			if ((r = write_text(file, word, err)) < 0)
				return r;
		}
		while (*p == '/')
			p++;
		if (!*p)
			return 0;
		size_t len = strcspn(p, "/"), used = strlen(dir);
		if (used + 1 + len >= sizeof(dir))
			return hv_error_set(err, ENAMETOOLONG, "parent cgroup %s is too long", parent);
		dir[used] = '/';
		memcpy(dir + used + 1, p, len);
		dir[used + 1 + len] = '\0';
		p += len;
	}
}

/* A new v1 cpuset starts with empty cpuset.cpus and cpuset.mems, and
 * attaching to it fails with ENOSPC: start from the parent's sets. */
static int inherit_cpuset(const struct cgctl_group *g, const char *parent, struct hv_error *err)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	const struct cgctl_controller_info *ci = &g->layout.controller[CGCTL_CPUSET];
	char file[PATH_MAX], value[1024], mine[1024];
	int r;

	if (!ci->present || ci->v2)
		return 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (snprintf(file, sizeof(file), "%s/%s/%s", ci->mount, parent, files[i]) >=
		    (int)sizeof(file))
			return hv_error_set(err, ENAMETOOLONG, "parent cpuset path too long");
		if ((r = read_text(file, value, sizeof(value), err)) < 0)
			return r;
		value[strcspn(value, "\n")] = '\0';
		/* Re-attaching to an existing group keeps what was set. */
		if ((r = join(file, g->path[CGCTL_CPUSET], files[i], err)) < 0)
			return r;
		if ((r = read_text(file, mine, sizeof(mine), err)) < 0)
			return r;
		if (mine[0] && mine[0] != '\n')
			continue;
		if ((r = lib_set(g, CGCTL_CPUSET, files[i], value, err)) < 0)
			return r;
		if ((r = read_text(file, mine, sizeof(mine), err)) < 0)
			return r;
		if (!mine[0] || mine[0] == '\n')
			return hv_error_set(err, EIO, "libcgroup did not set %s to '%s'", file, value);
	}
	return 0;
}

/* A handle for "<parent>/<name>" with every path filled in, nothing made
 * yet; *parent_out is parent without leading slashes.  NULL with err set
 * and errno. */
static struct cgctl_group *group_prepare(const struct cgctl_layout *layout, const char *parent,
					 const char *name, const char **parent_out, struct hv_error *err)
{
	struct cgctl_group *g;
	int r;

	if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		hv_error_set(err, EINVAL, "'%s' is not a valid cgroup name", name ? name : "");
		errno = EINVAL;
		return NULL;
	}
	if (!parent)
		parent = "";
	while (*parent == '/')
		parent++;
	if (!(g = calloc(1, sizeof(*g)))) {
		hv_error_set(err, ENOMEM, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	g->layout = *layout;
	if (snprintf(g->rel, sizeof(g->rel), "%s%s%s", parent, *parent ? "/" : "", name) >=
	    (int)sizeof(g->rel)) {
		r = hv_error_set(err, ENAMETOOLONG, "cgroup %s/%s: name too long", parent, name);
		goto fail_free;
	}
	for (int c = 0; c < CGCTL_NCONTROLLERS; c++) {
		if (!layout->controller[c].present)
			continue;
		if ((r = join(g->path[c], layout->controller[c].mount, g->rel, err)) < 0)
			goto fail_free;
		/* libcgroup would create missing parents; a typo in the
		 * configuration should fail instead. */
		char parent_dir[PATH_MAX];
		snprintf(parent_dir, sizeof(parent_dir), "%s/%s", layout->controller[c].mount, parent);
		if (!exists(parent_dir)) {
			r = hv_error_set(err, ENOENT, "parent cgroup %s does not exist", parent_dir);
			goto fail_free;
		}
	}
	if (layout->unified[0] && (r = join(g->unified_path, layout->unified, g->rel, err)) < 0)
		goto fail_free;
	*parent_out = parent;
	return g;

fail_free:
	free(g);
	errno = -r;
	return NULL;
}

struct cgctl_group *cgctl_group_open(const struct cgctl_layout *layout, const char *parent, const char *name,
				     struct hv_error *err)
{
	struct cgctl_group *g = group_prepare(layout, parent, name, &parent, err);

	if (!g)
		return NULL;
	for (int c = 0; c < CGCTL_NCONTROLLERS; c++) {
		if (layout->controller[c].present && !exists(g->path[c])) {
			hv_error_set(err, ENOENT, "cgroup %s does not exist", g->path[c]);
			free(g);
			errno = ENOENT;
			return NULL;
		}
	}
	return g;
}

struct cgctl_group *cgctl_group_create(const struct cgctl_layout *layout, const char *parent,
				       const char *name, struct hv_error *err)
{
	struct cgctl_group *g = group_prepare(layout, parent, name, &parent, err);
	struct cgroup *cg = NULL;
	int r;

	if (!g)
		return NULL;
	if (has_v1(layout)) {
		if (!(cg = lib_group(g, err))) {
			r = -EIO;
			goto fail_free;
		}
		int lr = cgroup_create_cgroup(cg, 0);
		cgroup_free(&cg);
		/* Only the directories tell whether it worked. */
		for (int c = 0; c < CGCTL_NCONTROLLERS; c++) {
			if (layout->controller[c].present && !layout->controller[c].v2 &&
			    !exists(g->path[c])) {
				r = lr ? lib_error(err, lr, "creating", g->rel)
				       : hv_error_set(err, EIO,
						      "libcgroup reported %s created, but it is not",
						      g->path[c]);
				goto fail_remove;
			}
		}
		if ((r = inherit_cpuset(g, parent, err)) < 0)
			goto fail_remove;
	}
	if (layout->unified[0]) {
		/* Hybrid hosts may have some of ours on v2 as well. */
		if ((r = enable_v2_controllers(g, parent, err)) < 0)
			goto fail_remove;
		if (mkdir(g->unified_path, 0755) < 0 && errno != EEXIST) {
			r = hv_error_set(err, errno, "cannot create %s: %s", g->unified_path,
					 strerror(errno));
			goto fail_remove;
		}
	}
	return g;

fail_remove:
	cgctl_group_remove(g, NULL);
fail_free:
	free(g);
	errno = -r;
	return NULL;
}

/* Non-empty cgroup.procs anywhere means the group still has processes. */
static int check_empty(const struct cgctl_group *g, const char *dir, struct hv_error *err)
{
	char file[PATH_MAX], buf[64];
	int r;

	if (!exists(dir))
		return 0;
	if ((r = join(file, dir, "cgroup.procs", err)) < 0)
		return r;
	if ((r = read_text(file, buf, sizeof(buf), err)) < 0)
		return r == -ENOENT ? 0 : r;
	if (buf[0])
		return hv_error_set(err, EBUSY, "cgroup %s still has processes", g->rel);
	return 0;
}

static int remove_dir(const char *dir, struct hv_error *err)
{
	if (rmdir(dir) < 0 && errno != ENOENT)
		return hv_error_set(err, errno, "cannot remove %s: %s", dir, strerror(errno));
	return 0;
}

int cgctl_group_remove(struct cgctl_group *g, struct hv_error *err)
{
	int r, first = 0;

	/* cgroup_delete_cgroup would quietly move the processes to the
	 * parent; a domain's processes must never escape its limits. */
	for (int c = 0; c < CGCTL_NCONTROLLERS; c++)
		if (g->layout.controller[c].present && (r = check_empty(g, g->path[c], err)) < 0)
			return r;
	if (g->unified_path[0] && (r = check_empty(g, g->unified_path, err)) < 0)
		return r;

	if (has_v1(&g->layout)) {
		struct hv_error ignored = {0};
		struct cgroup *cg = lib_group(g, &ignored);
		/* Its result is a hint: what is left is removed below. */
		if (cg) {
			cgroup_delete_cgroup(cg, 0);
			cgroup_free(&cg);
		}
	}
	for (int c = 0; c < CGCTL_NCONTROLLERS; c++)
		if (g->layout.controller[c].present && (r = remove_dir(g->path[c], err)) < 0 && !first)
			first = r;
	if (g->unified_path[0] && (r = remove_dir(g->unified_path, err)) < 0 && !first)
		first = r;
	return first;
}

/* Whether word is one of list's comma-separated entries ("cpu,cpuacct"). */
static bool word_in_comma(const char *list, const char *word)
{
	size_t len = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += len)
		if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return true;
	return false;
}

/* /proc/PID/cgroup's path for the hierarchy holding controller (NULL: the
 * cgroup2 one), so that an attach is checked against the kernel's view. */
static int proc_cgroup(pid_t pid, const char *controller, char *out, size_t size)
{
	char file[64], line[PATH_MAX + 128];
	FILE *f;
	int r = -ENOENT;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	if (!(f = fopen(file, "re")))
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *list = strchr(line, ':'), *path;
		if (!list || !(path = strchr(list + 1, ':')))
			continue;
		*list++ = '\0';
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		bool match = controller ? strcmp(line, "0") != 0 && word_in_comma(list, controller)
					: strcmp(line, "0") == 0;
		if (match) {
			snprintf(out, size, "%s", path);
			r = 0;
			break;
		}
	}
	fclose(f);
	return r;
}

static int check_attached(const struct cgctl_group *g, pid_t pid, const char *controller,
			  struct hv_error *err)
{
	char got[PATH_MAX];
	int r = proc_cgroup(pid, controller, got, sizeof(got));

	if (r == -ENOENT)
		return hv_error_set(err, EIO, "/proc/%d/cgroup has no line for %s", (int)pid,
				    controller ? controller : "the unified hierarchy");
	if (r < 0)
		return hv_error_set(err, -r, "cannot read /proc/%d/cgroup: %s", (int)pid, strerror(-r));
	if (got[0] != '/' || strcmp(got + 1, g->rel) != 0)
		return hv_error_set(err, EIO, "process %d is in %s cgroup %s, not /%s", (int)pid,
				    controller ? controller : "the unified", got, g->rel);
	return 0;
}

int cgctl_group_attach(struct cgctl_group *g, pid_t pid, struct hv_error *err)
{
	char file[PATH_MAX], text[32];
	int r, lr = 0;

	if (pid <= 0)
		return hv_error_set(err, EINVAL, "%d is not a process id", (int)pid);
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return hv_error_set(err, ESRCH, "no process %d", (int)pid);
	if (has_v1(&g->layout)) {
		struct cgroup *cg = lib_group(g, err);
		if (!cg)
			return -EIO;
		lr = cgroup_attach_task_pid(cg, pid);
		cgroup_free(&cg);
		for (int c = 0; c < CGCTL_NCONTROLLERS; c++) {
			if (!g->layout.controller[c].present || g->layout.controller[c].v2)
				continue;
			if ((r = check_attached(g, pid, controller_names[c], lr ? NULL : err)) < 0)
				return lr ? lib_error(err, lr, "attaching a process to", g->rel) : r;
		}
	}
	if (g->unified_path[0]) {
		if ((r = join(file, g->unified_path, "cgroup.procs", err)) < 0)
			return r;
		snprintf(text, sizeof(text), "%d", (int)pid);
		if ((r = write_text(file, text, err)) < 0)
			return r;
		if ((r = check_attached(g, pid, NULL, err)) < 0)
			return r;
	}
	return 0;
}

/* --- limits and statistics -------------------------------------------------- */

static const struct cgctl_controller_info *need(const struct cgctl_group *g, enum cgctl_controller c,
						struct hv_error *err)
{
	if (!g->layout.controller[c].present) {
		hv_error_set(err, ENOTSUP, "this host has no %s cgroup controller", controller_names[c]);
		return NULL;
	}
	return &g->layout.controller[c];
}

/* v1 shows "no limit" as the largest page-aligned counter (about 2^63). */
#define V1_UNLIMITED_ABOVE (UINT64_C(1) << 62)

static int set_limit(struct cgctl_group *g, enum cgctl_controller c, const char *v1_file, const char *v2_file,
		     const char *v1_unlimited, uint64_t value, struct hv_error *err)
{
	const struct cgctl_controller_info *ci = need(g, c, err);
	char file[PATH_MAX], text[32];
	int r;

	if (!ci)
		return -ENOTSUP;
	if (ci->v2) {
		if (value == CGCTL_UNLIMITED)
			snprintf(text, sizeof(text), "max");
		else
			snprintf(text, sizeof(text), "%llu", (unsigned long long)value);
		if ((r = join(file, g->path[c], v2_file, err)) < 0)
			return r;
		return write_text(file, text, err);
	}
	if (value == CGCTL_UNLIMITED)
		snprintf(text, sizeof(text), "%s", v1_unlimited);
	else
		snprintf(text, sizeof(text), "%llu", (unsigned long long)value);
	return lib_set(g, c, v1_file, text, err);
}

static int get_limit(struct cgctl_group *g, enum cgctl_controller c, const char *v1_file, const char *v2_file,
		     uint64_t *value, struct hv_error *err)
{
	const struct cgctl_controller_info *ci = need(g, c, err);
	char file[PATH_MAX];
	int r;

	if (!ci)
		return -ENOTSUP;
	if ((r = join(file, g->path[c], ci->v2 ? v2_file : v1_file, err)) < 0)
		return r;
	if ((r = read_u64(file, value, err)) < 0)
		return r;
	if (!ci->v2 && *value >= V1_UNLIMITED_ABOVE)
		*value = CGCTL_UNLIMITED;
	return 0;
}

int cgctl_set_memory_limit(struct cgctl_group *g, uint64_t bytes, struct hv_error *err)
{
	if (bytes != CGCTL_UNLIMITED && bytes >= V1_UNLIMITED_ABOVE)
		return hv_error_set(err, ERANGE, "memory limit %llu is too large", (unsigned long long)bytes);
	return set_limit(g, CGCTL_MEMORY, "memory.limit_in_bytes", "memory.max", "-1", bytes, err);
}

int cgctl_get_memory_limit(struct cgctl_group *g, uint64_t *bytes, struct hv_error *err)
{
	return get_limit(g, CGCTL_MEMORY, "memory.limit_in_bytes", "memory.max", bytes, err);
}

int cgctl_set_pids_limit(struct cgctl_group *g, uint64_t max, struct hv_error *err)
{
	if (max != CGCTL_UNLIMITED && max > INT_MAX)
		return hv_error_set(err, ERANGE, "pids limit %llu is too large", (unsigned long long)max);
	return set_limit(g, CGCTL_PIDS, "pids.max", "pids.max", "max", max, err);
}

int cgctl_get_pids_limit(struct cgctl_group *g, uint64_t *max, struct hv_error *err)
{
	return get_limit(g, CGCTL_PIDS, "pids.max", "pids.max", max, err);
}

int cgctl_memory_usage(struct cgctl_group *g, uint64_t *bytes, struct hv_error *err)
{
	return get_limit(g, CGCTL_MEMORY, "memory.usage_in_bytes", "memory.current", bytes, err);
}

int cgctl_pids_current(struct cgctl_group *g, uint64_t *count, struct hv_error *err)
{
	return get_limit(g, CGCTL_PIDS, "pids.current", "pids.current", count, err);
}

int cgctl_cpu_usage(struct cgctl_group *g, uint64_t *ns, struct hv_error *err)
{
	char file[PATH_MAX];
	uint64_t usec;
	int r;

	if (g->layout.controller[CGCTL_CPUACCT].present && !g->layout.controller[CGCTL_CPUACCT].v2) {
		if ((r = join(file, g->path[CGCTL_CPUACCT], "cpuacct.usage", err)) < 0)
			return r;
		return read_u64(file, ns, err);
	}
	/* cpu.stat's usage_usec exists in every v2 cgroup, cpu controller
	 * enabled or not. */
	if (!g->unified_path[0])
		return hv_error_set(err, ENOTSUP,
				    "this host has no cpuacct controller and no cgroup2 hierarchy");
	if ((r = join(file, g->unified_path, "cpu.stat", err)) < 0)
		return r;
	if ((r = read_key(file, "usage_usec", &usec, err)) < 0)
		return r;
	*ns = usec * 1000;
	return 0;
}

/* v1 cpu.shares (default 1024) and v2 cpu.weight (default 100) express
 * the same relative weight; callers speak v2's 1..10000.  Rounding both
 * ways makes the conversion round-trip exactly, since 1024/100 > 1. */
int cgctl_set_cpu_weight(struct cgctl_group *g, uint64_t weight, struct hv_error *err)
{
	const struct cgctl_controller_info *ci = need(g, CGCTL_CPU, err);
	char file[PATH_MAX], text[32];
	int r;

	if (!ci)
		return -ENOTSUP;
	if (weight < 1 || weight > 10000)
		return hv_error_set(err, ERANGE, "cpu weight %llu is not within 1..10000",
				    (unsigned long long)weight);
	if (ci->v2) {
		snprintf(text, sizeof(text), "%llu", (unsigned long long)weight);
		if ((r = join(file, g->path[CGCTL_CPU], "cpu.weight", err)) < 0)
			return r;
		return write_text(file, text, err);
	}
	uint64_t shares = (weight * 1024 + 50) / 100;
	snprintf(text, sizeof(text), "%llu", (unsigned long long)(shares < 2 ? 2 : shares));
	return lib_set(g, CGCTL_CPU, "cpu.shares", text, err);
}

int cgctl_get_cpu_weight(struct cgctl_group *g, uint64_t *weight, struct hv_error *err)
{
	const struct cgctl_controller_info *ci = need(g, CGCTL_CPU, err);
	uint64_t shares;
	int r;

	if (!ci)
		return -ENOTSUP;
	if (ci->v2)
		return get_limit(g, CGCTL_CPU, NULL, "cpu.weight", weight, err);
	if ((r = get_limit(g, CGCTL_CPU, "cpu.shares", NULL, &shares, err)) < 0)
		return r;
	*weight = (shares * 100 + 512) / 1024;
	if (*weight < 1)
		*weight = 1;
	return 0;
}

/* The kernel's bounds for a CFS period, in microseconds. */
#define PERIOD_MIN 1000
#define PERIOD_MAX 1000000

int cgctl_set_cpu_quota(struct cgctl_group *g, uint64_t quota_us, uint64_t period_us, struct hv_error *err)
{
	const struct cgctl_controller_info *ci = need(g, CGCTL_CPU, err);
	char file[PATH_MAX], text[64];
	int r;

	if (!ci)
		return -ENOTSUP;
	if (period_us < PERIOD_MIN || period_us > PERIOD_MAX)
		return hv_error_set(err, ERANGE, "cpu period %llu us is not within %d..%d",
				    (unsigned long long)period_us, PERIOD_MIN, PERIOD_MAX);
	if (quota_us != CGCTL_UNLIMITED && (quota_us < PERIOD_MIN || quota_us > (UINT64_C(1) << 40)))
		return hv_error_set(err, ERANGE, "cpu quota %llu us is out of range",
				    (unsigned long long)quota_us);
	if (ci->v2) {
		if (quota_us == CGCTL_UNLIMITED)
			snprintf(text, sizeof(text), "max %llu", (unsigned long long)period_us);
		else
			snprintf(text, sizeof(text), "%llu %llu", (unsigned long long)quota_us,
				 (unsigned long long)period_us);
		if ((r = join(file, g->path[CGCTL_CPU], "cpu.max", err)) < 0)
			return r;
		return write_text(file, text, err);
	}
	/* Two files on v1; the period first, so that the quota is checked
	 * against the period it belongs to. */
	snprintf(text, sizeof(text), "%llu", (unsigned long long)period_us);
	if ((r = lib_set(g, CGCTL_CPU, "cpu.cfs_period_us", text, err)) < 0)
		return r;
	if (quota_us == CGCTL_UNLIMITED)
		snprintf(text, sizeof(text), "-1");
	else
		snprintf(text, sizeof(text), "%llu", (unsigned long long)quota_us);
	return lib_set(g, CGCTL_CPU, "cpu.cfs_quota_us", text, err);
}

int cgctl_get_cpu_quota(struct cgctl_group *g, uint64_t *quota_us, uint64_t *period_us, struct hv_error *err)
{
	const struct cgctl_controller_info *ci = need(g, CGCTL_CPU, err);
	char file[PATH_MAX], buf[64], *end;
	int r;

	if (!ci)
		return -ENOTSUP;
	if (ci->v2) {
		if ((r = join(file, g->path[CGCTL_CPU], "cpu.max", err)) < 0)
			return r;
		if ((r = read_text(file, buf, sizeof(buf), err)) < 0)
			return r;
		if (strncmp(buf, "max ", 4) == 0) {
			*quota_us = CGCTL_UNLIMITED;
			end = buf + 3;
		} else {
			*quota_us = strtoull(buf, &end, 10);
		}
		*period_us = strtoull(end, NULL, 10);
		return 0;
	}
	if ((r = join(file, g->path[CGCTL_CPU], "cpu.cfs_quota_us", err)) < 0)
		return r;
	if ((r = read_text(file, buf, sizeof(buf), err)) < 0)
		return r;
	/* -1 is v1's "no quota". */
	*quota_us = buf[0] == '-' ? CGCTL_UNLIMITED : strtoull(buf, NULL, 10);
	return get_limit(g, CGCTL_CPU, "cpu.cfs_period_us", NULL, period_us, err);
}

/* Same file name and list syntax ("0-3,5") on v1 and v2. */
int cgctl_set_cpuset(struct cgctl_group *g, const char *cpus, struct hv_error *err)
{
	const struct cgctl_controller_info *ci = need(g, CGCTL_CPUSET, err);
	char file[PATH_MAX];
	int r;

	if (!ci)
		return -ENOTSUP;
	if (!cpus || !*cpus || strspn(cpus, "0123456789,-") != strlen(cpus))
		return hv_error_set(err, EINVAL, "'%s' is not a cpu list", cpus ? cpus : "");
	if (!ci->v2)
		return lib_set(g, CGCTL_CPUSET, "cpuset.cpus", cpus, err);
	if ((r = join(file, g->path[CGCTL_CPUSET], "cpuset.cpus", err)) < 0)
		return r;
	return write_text(file, cpus, err);
}

int cgctl_get_cpuset(struct cgctl_group *g, char *cpus, size_t size, struct hv_error *err)
{
	const struct cgctl_controller_info *ci = need(g, CGCTL_CPUSET, err);
	char file[PATH_MAX];
	int r;

	if (!ci)
		return -ENOTSUP;
	if ((r = join(file, g->path[CGCTL_CPUSET], "cpuset.cpus", err)) < 0)
		return r;
	if ((r = read_text(file, cpus, size, err)) < 0)
		return r;
	cpus[strcspn(cpus, "\n")] = '\0';
	return 0;
}

/* --- freezer ---------------------------------------------------------------- */

/* The v1 freezer when the host has one (it is what this machine offers
 * for v1-bound tasks), cgroup.freeze otherwise. */
static bool use_v1_freezer(const struct cgctl_group *g)
{
	return g->layout.controller[CGCTL_FREEZER].present && !g->layout.controller[CGCTL_FREEZER].v2;
}

int cgctl_is_frozen(struct cgctl_group *g, bool *frozen, struct hv_error *err)
{
	char file[PATH_MAX], buf[32];
	uint64_t v;
	int r;

	if (use_v1_freezer(g)) {
		if ((r = join(file, g->path[CGCTL_FREEZER], "freezer.state", err)) < 0)
			return r;
		if ((r = read_text(file, buf, sizeof(buf), err)) < 0)
			return r;
		/* FREEZING is not yet frozen: some task has not stopped. */
		*frozen = strncmp(buf, "FROZEN", 6) == 0;
		return 0;
	}
	if (!g->unified_path[0])
		return hv_error_set(err, ENOTSUP,
				    "this host has no freezer controller and no cgroup2 hierarchy");
	if ((r = join(file, g->unified_path, "cgroup.events", err)) < 0)
		return r;
	if ((r = read_key(file, "frozen", &v, err)) < 0)
		return r;
	*frozen = v != 0;
	return 0;
}

/* Freezing is asynchronous on both versions: wait for the kernel to
 * confirm, so that "suspended" means no task runs any more. */
static int wait_frozen(struct cgctl_group *g, bool want, struct hv_error *err)
{
	struct timespec pause = {0, 10 * 1000 * 1000};
	bool frozen = !want;
	int r;

	for (int i = 0; i < 100; i++) {
		if ((r = cgctl_is_frozen(g, &frozen, err)) < 0)
			return r;
		if (frozen == want)
			return 0;
		nanosleep(&pause, NULL);
	}
	return hv_error_set(err, ETIMEDOUT, "cgroup %s did not become %s within a second", g->rel,
			    want ? "frozen" : "thawed");
}

static int set_frozen(struct cgctl_group *g, bool want, struct hv_error *err)
{
	char file[PATH_MAX];
	int r;

	if (use_v1_freezer(g))
		r = lib_set(g, CGCTL_FREEZER, "freezer.state", want ? "FROZEN" : "THAWED", err);
	else if (!g->unified_path[0])
		r = hv_error_set(err, ENOTSUP,
				 "this host has no freezer controller and no cgroup2 hierarchy");
	else if ((r = join(file, g->unified_path, "cgroup.freeze", err)) == 0)
		r = write_text(file, want ? "1" : "0", err);
	if (r < 0)
		return r;
	return wait_frozen(g, want, err);
}

int cgctl_freeze(struct cgctl_group *g, struct hv_error *err)
{
	return set_frozen(g, true, err);
}

int cgctl_thaw(struct cgctl_group *g, struct hv_error *err)
{
	return set_frozen(g, false, err);
}
