/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Directory handlers of the operations table (dirs.c), shared with ops.c. */
#ifndef HVFS_FS_OPS_H
#define HVFS_FS_OPS_H

#include "fs/fs.h"

extern const struct fuse_lowlevel_ops fs_ops;

void fs_ops_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_ops_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, struct fuse_file_info *fi);
void fs_ops_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
/* Replies itself (an entry on success). */
void fs_ops_mkdir(fuse_req_t req, struct fs_ctx *ctx, struct node *parent, const char *name);
int fs_ops_rmdir(fuse_req_t req, struct fs_ctx *ctx, struct node *parent, const char *name);
int fs_ops_rename(fuse_req_t req, struct fs_ctx *ctx, struct node *parent, const char *name,
		  struct node *new_parent, const char *new_name, unsigned flags);
/* Replies with node's entry (its lookup already counted) or an error. */
void fs_reply_entry(fuse_req_t req, struct fs_ctx *ctx, struct node *node);
/* Makes scratch file or directory parent/name for the caller of req. */
int fs_scratch_create(fuse_req_t req, struct fs_ctx *ctx, struct node *parent, const char *name, mode_t mode,
		      struct node **out);
/* Directory attributes and entries that need no look at the driver. */
void fs_fill_dir_attr(struct fs_ctx *ctx, const struct node *node, struct stat *st);
/* Replies with the entry of collection member parent/name (its node made if
 * needed), without asking the driver: the caller knows it exists or went. */
void fs_reply_object_entry(fuse_req_t req, struct fs_ctx *ctx, struct node *parent, const char *name,
			   const struct fs_dir_type *type);
/* The type of member name of dir's collection. */
const struct fs_dir_type *fs_collection_child_type(struct fs_ctx *ctx, struct node *dir, const char *name);
/* Whether name is a member of dir's sub-object collection (0, with its
 * type, or -ENOENT). */
int fs_collection_member(struct fs_ctx *ctx, struct node *dir, const char *name,
			 const struct fs_dir_type **type);
/* A member that is a file (fs_collection.attr_of): its attribute, or NULL. */
const struct fs_attr *fs_collection_member_attr(struct fs_ctx *ctx, struct node *dir, const char *name);
/* unlink of a file member: -EISDIR for a directory member, -ENOENT. */
int fs_collection_unlink(struct fs_ctx *ctx, struct node *parent, const char *name);

#endif
