/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hvfs: options, mount, the multithreaded session loop, clean shutdown. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "drivers/conf/conf.h"
#include "fs/events.h"
#include "fs/ops.h"
#include "schema/validate.h"
#include "util/log.h"

#define DEFAULT_URI "test:///default"

struct cmdline {
	char *uri;
	char *group;
	char *log_level;
	char *cache_timeout;
	int show_help;
	int show_version;
};

#define CMDLINE_OPT(t, p)                                                                                    \
	{                                                                                                    \
		t, offsetof(struct cmdline, p), 1                                                            \
	}

static const struct fuse_opt cmdline_spec[] = {
    CMDLINE_OPT("-c %s", uri),
    CMDLINE_OPT("--connect %s", uri),
    CMDLINE_OPT("--group %s", group),
    CMDLINE_OPT("--log-level %s", log_level),
    CMDLINE_OPT("--cache-timeout %s", cache_timeout),
    /* The same as mount options, for fstab lines and mount -o. */
    CMDLINE_OPT("group=%s", group),
    CMDLINE_OPT("log_level=%s", log_level),
    CMDLINE_OPT("cache_timeout=%s", cache_timeout),
    CMDLINE_OPT("-h", show_help),
    CMDLINE_OPT("--help", show_help),
    CMDLINE_OPT("-V", show_version),
    CMDLINE_OPT("--version", show_version),
    FUSE_OPT_END,
};

static void usage(const char *prog)
{
	printf("usage: %s [-c URI] [-f] [-o OPTIONS] MOUNTPOINT\n"
	       "       %s URI MOUNTPOINT [-o OPTIONS]      (as mount -t fuse.hvfs calls it)\n"
	       "\n"
	       "Presents a virtualization host as a directory tree.\n"
	       "\n"
	       "  -c, --connect URI      driver URI (default " DEFAULT_URI ")\n"
	       "                           test:///default        simulated host in memory\n"
	       "                           test:///ABS/PATH       simulated host persisted under PATH\n"
	       "  -f                     stay in the foreground, log to stderr\n"
	       "  -d                     foreground with FUSE debug output\n"
	       "  -s                     single-threaded (for debugging)\n"
	       "  -o allow_other         let every user read (writes stay root's)\n"
	       "  -o OPT[,OPT...]        other FUSE mount options (see mount.fuse3(8))\n"
	       "  --group NAME           members of NAME may write control and tunable files\n"
	       "                           (-o group=NAME in fstab)\n"
	       "  --log-level LEVEL      error, warning, info (default) or debug\n"
	       "                           (-o log_level=LEVEL in fstab)\n"
	       "  --cache-timeout SECS   how long the kernel keeps names and attributes (default\n"
	       "                           3600: every change invalidates them; 0: every stat\n"
	       "                           and lookup asks the daemon)\n"
	       "  -V, --version          print the version\n"
	       "  -h, --help             this text\n"
	       "\n"
	       "Unmount with: fusermount3 -u MOUNTPOINT (or SIGTERM/SIGINT to the daemon).\n"
	       "See hvfs(1) and docs/paths.md for the tree.\n",
	       prog, prog);
}

/* mount.fuse3 runs "hvfs SOURCE MOUNTPOINT -o ...": a first non-option
 * argument that looks like a URI is the driver URI. */
static int cmdline_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct cmdline *cmd = data;

	if (key == FUSE_OPT_KEY_NONOPT && !cmd->uri && strstr(arg, "://")) {
		cmd->uri = strdup(arg);
		return 0;
	}
	return 1;
}

/* A mount point whose daemon died answers ENOTCONN to everything the
 * kernel has not cached: statfs is never cached, stat may be. */
static int check_mountpoint(const char *mountpoint)
{
	struct statvfs sv;
	struct stat st;

	if (statvfs(mountpoint, &sv) == 0 && stat(mountpoint, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			fprintf(stderr, "hvfs: %s is not a directory\n", mountpoint);
			return -ENOTDIR;
		}
		return 0;
	}
	if (errno == ENOTCONN) {
		fprintf(stderr,
			"hvfs: %s is a stale mount left by a daemon that died "
			"(\"Transport endpoint is not connected\").\n"
			"      Unmount it first: fusermount3 -u %s\n",
			mountpoint, mountpoint);
		return -ENOTCONN;
	}
	fprintf(stderr, "hvfs: cannot use mount point %s: %s\n", mountpoint, strerror(errno));
	return -errno;
}

/* "--group %s" takes both "--group NAME" and "--group=NAME", the latter as
 * "=NAME".  (fuse_opt applies every matching template, so a "--group=%s"
 * template beside it would be overridden anyway.) */
static void value_of(char *value)
{
	if (value && value[0] == '=')
		memmove(value, value + 1, strlen(value));
}

static int apply_cmdline(struct cmdline *cmd, struct fs_options *options)
{
	value_of(cmd->uri);
	value_of(cmd->group);
	value_of(cmd->log_level);
	value_of(cmd->cache_timeout);
	if (cmd->log_level) {
		enum log_level level;
		if (log_parse_level(cmd->log_level, &level) < 0) {
			fprintf(stderr, "hvfs: unknown log level '%s' (error, warning, info, debug)\n",
				cmd->log_level);
			return -EINVAL;
		}
		log_set_level(level);
	}
	if (cmd->group) {
		struct group *gr = getgrnam(cmd->group);
		if (!gr) {
			fprintf(stderr, "hvfs: no such group '%s'\n", cmd->group);
			return -EINVAL;
		}
		options->group = gr->gr_gid;
		options->has_group = true;
	}
	options->uri = cmd->uri ? cmd->uri : (char *)DEFAULT_URI;
	/* Every change invalidates what the kernel caches (notify.c), so the
	 * kernel may keep names and attributes for long. */
	options->entry_timeout = 3600;
	options->attr_timeout = 3600;
	if (cmd->cache_timeout) {
		char *end;
		errno = 0;
		double secs = strtod(cmd->cache_timeout, &end);
		if (errno || end == cmd->cache_timeout || *end || !(secs >= 0 && secs <= 86400)) {
			fprintf(stderr, "hvfs: --cache-timeout takes seconds from 0 to 86400, not '%s'\n",
				cmd->cache_timeout);
			return -EINVAL;
		}
		options->entry_timeout = secs;
		options->attr_timeout = secs;
	}
	return 0;
}

/* Daemonizing forks, and only the forking thread survives a fork: it must
 * happen before the driver and the notifier start their threads.  The
 * parent waits until the child has mounted (or failed, having said why on
 * the still-shared stderr), so `hvfs MNT` returns when MNT is usable and its
 * exit status tells whether it is. */
static int daemonize_begin(int *ready_fd)
{
	int pipefd[2];
	char ok;

	if (pipe(pipefd) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(pipefd[1]);
		ssize_t n = read(pipefd[0], &ok, 1);
		_exit(n == 1 ? 0 : 1);
	}
	close(pipefd[0]);
	setsid();
	*ready_fd = pipefd[1];
	return 0;
}

static void daemonize_done(int ready_fd)
{
	int null = open("/dev/null", O_RDWR);

	log_use_syslog("hvfs");
	if (chdir("/") < 0)
		log_warning("chdir /: %s", strerror(errno));
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	if (write(ready_fd, "1", 1) != 1)
		log_warning("cannot tell the parent that the mount is ready: %s", strerror(errno));
	close(ready_fd);
}

static int serve(struct fs_ctx *ctx, struct fuse_args *args, struct fuse_cmdline_opts *opts)
{
	int ready_fd = -1;

	if (!opts->foreground && daemonize_begin(&ready_fd) < 0) {
		fprintf(stderr, "hvfs: cannot daemonize: %s\n", strerror(errno));
		return 1;
	}
	struct hv_error err = {0};
	sigset_t stop_signals, old_mask;
	int ret;

	/* The driver's and the notifier's threads inherit this mask: a
	 * SIGTERM must reach the main thread or a FUSE worker, whose blocking
	 * calls it interrupts, not a helper thread where libfuse's handler
	 * would only set a flag that nobody looks at until the next request. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
	ret = hv_conn_open(ctx->options.uri, fs_on_change, ctx, &ctx->conn, &err);
	if (ret < 0) {
		fprintf(stderr, "hvfs: cannot open %s: %s\n", ctx->options.uri, err.message);
		return 1;
	}
	ctx->session = fuse_session_new(args, &fs_ops, sizeof(fs_ops), ctx);
	if (!ctx->session) {
		hv_conn_close(ctx->conn);
		return 1;
	}
	events_set_session(ctx->events, ctx->session);
	ret = notifier_start(ctx);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	if (fuse_set_signal_handlers(ctx->session) != 0 || ret < 0 ||
	    fuse_session_mount(ctx->session, opts->mountpoint) != 0) {
		hv_conn_close(ctx->conn);
		notifier_stop(ctx);
		fuse_remove_signal_handlers(ctx->session);
		fuse_session_destroy(ctx->session);
		return 1;
	}
	__atomic_store_n(&ctx->serving, true, __ATOMIC_RELEASE);
	log_info("serving %s on %s", ctx->options.uri, opts->mountpoint);
	if (ready_fd >= 0)
		daemonize_done(ready_fd);

	if (opts->singlethread) {
		ret = fuse_session_loop(ctx->session);
	} else {
		struct fuse_loop_config *config = fuse_loop_cfg_create();
		fuse_loop_cfg_set_clone_fd(config, (unsigned)opts->clone_fd);
		if (opts->max_idle_threads != UINT_MAX) /* unset: libfuse's default */
			fuse_loop_cfg_set_idle_threads(config, opts->max_idle_threads);
		if (opts->max_threads != UINT_MAX) /* unset: libfuse's default */
			fuse_loop_cfg_set_max_threads(config, opts->max_threads);
		ret = fuse_session_loop_mt(ctx->session, config);
		fuse_loop_cfg_destroy(config);
	}
	__atomic_store_n(&ctx->serving, false, __ATOMIC_RELEASE);
	events_set_session(ctx->events, NULL);
	log_info("unmounting %s", opts->mountpoint);
	/* Blocked readers of events are answered before the session goes. */
	events_wake_all(ctx->events);
	fuse_session_unmount(ctx->session);
	/* Driver first (no more changes), then the notifier that relays them,
	 * then the session the notifier talks to. */
	hv_conn_close(ctx->conn);
	notifier_stop(ctx);
	fuse_remove_signal_handlers(ctx->session);
	fuse_session_destroy(ctx->session);
	return ret < 0 ? 1 : 0;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts = {0};
	struct cmdline cmd = {0};
	struct fs_ctx ctx = {0};
	struct timespec now;
	int ret = 1;

	if (fuse_opt_parse(&args, &cmd, cmdline_spec, cmdline_proc) != 0)
		goto out;
	if (cmd.show_help) {
		usage(argv[0]);
		ret = 0;
		goto out;
	}
	if (cmd.show_version) {
		printf("hvfs %s (libfuse %s; drivers: %s)\n", HVFS_VERSION, fuse_pkgversion(),
		       hv_built_drivers());
		ret = 0;
		goto out;
	}
	if (fuse_parse_cmdline(&args, &opts) != 0)
		goto out;
	if (!opts.mountpoint) {
		fprintf(stderr, "hvfs: no mount point given (try --help)\n");
		goto out;
	}
	if (apply_cmdline(&cmd, &ctx.options) < 0 || check_mountpoint(opts.mountpoint) < 0)
		goto out;
	/* Root owns the mount; the kernel enforces the modes ls -l shows. */
	/* mount(8) shows the URI as the source, as it does for fstab lines. */
	char fsname[512];
	snprintf(fsname, sizeof(fsname), "-ofsname=%s",
		 strpbrk(ctx.options.uri, ",\\") ? "hvfs" : ctx.options.uri);
	/* mount.fuse3 (fstab, mount -t fuse.hvfs) passes "dev,suid" unless the
	 * line says otherwise; the tree has no device nodes and no setuid
	 * files, so it is nosuid,nodev however it is mounted (added last, so
	 * they win). */
	if (fuse_opt_add_arg(&args, "-odefault_permissions") != 0 || fuse_opt_add_arg(&args, fsname) != 0 ||
	    fuse_opt_add_arg(&args, "-osubtype=hvfs") != 0 || fuse_opt_add_arg(&args, "-onosuid,nodev") != 0)
		goto out;
	clock_gettime(CLOCK_REALTIME, &now);
	ctx.mountpoint = realpath(opts.mountpoint, NULL);
	if (!ctx.mountpoint || fs_ctx_init(&ctx, now) < 0) {
		fprintf(stderr, "hvfs: out of memory\n");
		free(ctx.mountpoint);
		goto out;
	}
	ret = serve(&ctx, &args, &opts);
	fs_ctx_finish(&ctx);
	free(ctx.mountpoint);
out:
	hv_schema_cleanup();
	hv_conf_cleanup();
	free(opts.mountpoint);
	free(cmd.uri);
	free(cmd.group);
	free(cmd.log_level);
	free(cmd.cache_timeout);
	fuse_opt_free_args(&args);
	return ret;
}
