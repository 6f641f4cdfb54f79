/*
 * crypto.c - the OpenSSL (and zlib) boundary; see crypto.h.
 *
 * Base64 is written here rather than with OpenSSL's BIO chain: it is a
 * dozen lines, needs no allocation besides the output buffer, and the url
 * variant (no padding, '-' and '_') is what JWTs need.  RS256 goes through
 * the EVP_DigestSign interface so the key type is checked by OpenSSL.
 */
#include "crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <zlib.h>

static int base64_with(struct buf *out, const void *data, size_t len, const char *alphabet,
		       bool pad)
{
	const unsigned char *p = data;
	size_t i;

	if (buf_grow(out, (len + 2) / 3 * 4 + 1) != 0)
		return FB_ENOMEM;
	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		char q[4] = { alphabet[v >> 18], alphabet[(v >> 12) & 63], alphabet[(v >> 6) & 63],
			      alphabet[v & 63] };
		buf_append(out, q, 4);
	}
	if (i < len) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0);
		buf_putc(out, alphabet[v >> 18]);
		buf_putc(out, alphabet[(v >> 12) & 63]);
		if (i + 1 < len)
			buf_putc(out, alphabet[(v >> 6) & 63]);
		else if (pad)
			buf_putc(out, '=');
		if (pad)
			buf_putc(out, '=');
	}
	return 0;
}

int crypto_base64(struct buf *out, const void *data, size_t len)
{
	return base64_with(out, data, len,
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", true);
}

int crypto_base64url(struct buf *out, const void *data, size_t len)
{
	return base64_with(out, data, len,
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", false);
}

void crypto_sha256_hex(char out[65], const void *data, size_t len)
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

void crypto_hmac_sha256(unsigned char out[32], const void *key, size_t keylen, const void *data,
			size_t len)
{
	unsigned int outlen = 32;

	HMAC(EVP_sha256(), key, (int)keylen, data, len, out, &outlen);
}

bool crypto_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen)
		return false;
	return CRYPTO_memcmp(a, b, alen) == 0;
}

void crypto_secret_free(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

int crypto_random(void *out, size_t len)
{
	return RAND_bytes(out, (int)len) == 1 ? 0 : FB_EINTERNAL;
}

int crypto_rs256_sign(struct buf *out, const char *key_pem, const void *data, size_t len,
		      struct fb_error *err)
{
	int rc = FB_EINTERNAL;
	BIO *bio = NULL;
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *ctx = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0;

	bio = BIO_new_mem_buf(key_pem, -1);
	if (!bio)
		goto out;
	key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	if (!key || EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
		/* The key text itself never goes into the message. */
		rc = fb_error_set(err, FB_EINVAL,
				  "the GitHub App private key is not a PEM RSA private key");
		goto out;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, NULL, &siglen, data, len) != 1)
		goto fail;
	sig = OPENSSL_malloc(siglen);
	if (!sig || EVP_DigestSign(ctx, sig, &siglen, data, len) != 1)
		goto fail;
	rc = buf_append(out, sig, siglen) == 0 ? 0 : FB_ENOMEM;
	goto out;
fail:
	rc = fb_error_set(err, FB_EINTERNAL, "signing with the GitHub App key failed");
out:
	ERR_clear_error();
	OPENSSL_free(sig);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	BIO_free(bio);
	return rc;
}

int crypto_github_app_jwt(struct buf *out, const char *app_id, const char *key_pem, time_t now,
			  struct fb_error *err)
{
	static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
	struct buf claims, sig;
	int rc;

	/* The issuer is a client ID ("Iv1.abc") or a numeric app id; both go
	 * as a JSON string, which GitHub accepts.  Refuse anything needing
	 * escapes rather than escape it. */
	for (const char *p = app_id; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			return fb_error_set(err, FB_EINVAL, "GitHub App id contains '%c'", *p);
	buf_init(&claims, 4096);
	buf_init(&sig, 4096);
	rc = buf_printf(&claims, "{\"iat\":%lld,\"exp\":%lld,\"iss\":\"%s\"}",
			(long long)now - 60, (long long)now + 540, app_id);
	if (rc == 0)
		rc = crypto_base64url(out, header, sizeof header - 1);
	if (rc == 0)
		rc = buf_putc(out, '.');
	if (rc == 0)
		rc = crypto_base64url(out, claims.ptr, claims.len);
	if (rc == 0)
		rc = crypto_rs256_sign(&sig, key_pem, out->ptr, out->len, err);
	if (rc == 0)
		rc = buf_putc(out, '.');
	if (rc == 0)
		rc = crypto_base64url(out, sig.ptr, sig.len);
	if (rc == FB_ENOMEM)
		fb_error_set(err, rc, "out of memory building the GitHub App token");
	buf_release(&claims);
	buf_release(&sig);
	return rc;
}

int crypto_gzip(struct buf *out, const void *data, size_t len, struct fb_error *err)
{
	z_stream zs;
	unsigned char chunk[16384];
	int zr, rc = 0;

	memset(&zs, 0, sizeof zs);
	/* windowBits 15 + 16: a gzip header and trailer, not zlib's. */
	if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return fb_error_set(err, FB_ENOMEM, "gzip: out of memory");
	zs.next_in = (unsigned char *)data;
	zs.avail_in = (uInt)len;
	if ((size_t)zs.avail_in != len) {
		deflateEnd(&zs);
		return fb_error_set(err, FB_ELIMIT, "gzip: input of %zu bytes is too large", len);
	}
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof chunk;
		zr = deflate(&zs, Z_FINISH);
		if (zr == Z_STREAM_ERROR) {
			rc = fb_error_set(err, FB_EINTERNAL, "gzip: compression failed");
			break;
		}
		rc = buf_append(out, chunk, sizeof chunk - zs.avail_out);
		if (rc != 0) {
			fb_error_set(err, rc, "gzip: output over its limit");
			break;
		}
	} while (zr != Z_STREAM_END);
	deflateEnd(&zs);
	return rc;
}
