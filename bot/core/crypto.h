/*
 * crypto.h - the OpenSSL boundary (and zlib for gzip).
 *
 * Everything forgebot needs from cryptography, behind small functions that
 * speak our buffers and error codes: base64 and base64url, SHA-256,
 * HMAC-SHA256, constant-time comparison, random bytes, RS256 signatures
 * for GitHub App JWTs, and gzip for uploads.  OpenSSL types do not leak
 * past crypto.c.  Error messages never include key material.
 */
#ifndef FB_CORE_CRYPTO_H
#define FB_CORE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"

/* Append the standard base64 (with padding) / base64url (no padding)
 * encoding of data to out.  0 or FB_ENOMEM/FB_ELIMIT. */
int crypto_base64(struct buf *out, const void *data, size_t len);
int crypto_base64url(struct buf *out, const void *data, size_t len);

/* SHA-256 of data as 64 lowercase hex characters plus NUL. */
void crypto_sha256_hex(char out[65], const void *data, size_t len);

/* HMAC-SHA256 of data under key. */
void crypto_hmac_sha256(unsigned char out[32], const void *key, size_t keylen,
			const void *data, size_t len);

/* Compare two secrets in time that depends only on the lengths. */
bool crypto_equal(const void *a, size_t alen, const void *b, size_t blen);

/* Overwrite a NUL-terminated secret with zeros, then free it; NULL is fine. */
void crypto_secret_free(char *s);

/* Fill out with cryptographically random bytes; 0 or FB_EINTERNAL. */
int crypto_random(void *out, size_t len);

/* Sign data with RSASSA-PKCS1-v1_5 + SHA-256 under the PEM private key;
 * append the raw signature to out.  FB_EINVAL for an unreadable key. */
int crypto_rs256_sign(struct buf *out, const char *key_pem, const void *data, size_t len,
		      struct fb_error *err);

/* A GitHub App JWT: {"alg":"RS256","typ":"JWT"} and claims iat = now - 60,
 * exp = now + 540, iss = app_id, signed with key_pem.  Appended to out. */
int crypto_github_app_jwt(struct buf *out, const char *app_id, const char *key_pem, time_t now,
			  struct fb_error *err);

/* gzip-compress data, appending to out. */
int crypto_gzip(struct buf *out, const void *data, size_t len, struct fb_error *err);

#endif
