/*
 * github_priv.h - what github.c and github_auth.c share.
 */
#ifndef FB_FORGE_GITHUB_PRIV_H
#define FB_FORGE_GITHUB_PRIV_H

#include "forge_priv.h"

/* The forge_ops auth hooks for GitHub (see forge_priv.h). */
int github_auth_headers(struct forge *f, char **hdr, struct fb_error *err);
void github_auth_expired(struct forge *f);
/* The App's installation token (renewed when due), borrowed from f until
 * the next call on f. */
int github_app_token(struct forge *f, const char **out, struct fb_error *err);
/* An App's login, "<slug>[bot]", from GET /app with the JWT. */
int github_app_login(struct forge *f, char **out, struct fb_error *err);

/* github_repo.c: new branches and pull requests (for code generation). */
int github_branch_create(struct forge *f, const char *name, const char *sha,
			 struct fb_error *err);
int github_pr_create(struct forge *f, const struct forge_pr_new *req,
		     struct forge_pr_created *out, struct fb_error *err);

#endif
