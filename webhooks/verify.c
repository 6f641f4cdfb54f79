/*
 * verify.c - authenticate a delivery's raw bytes, one scheme per sender.
 *
 *   GitHub        X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256(secret,
 *                 body).  The expected value is computed under every
 *                 configured secret (several during a rotation) and each is
 *                 compared in constant time with the received one, both 64
 *                 lowercase hex digits; every secret is tried, so the time
 *                 does not say which one matched.
 *   GitLab        X-Gitlab-Token: the secret in plain text.
 *   Alertmanager  Authorization: "Bearer <token>", or "Basic base64(user:
 *                 token)" (what http_config's basic_auth sends): only the
 *                 password part is compared.
 *
 * Plain tokens are compared through their SHA-256 digests, which have equal
 * lengths, so the comparison does not leak a token's length either.  Empty
 * secrets count as not configured, and a sender with no secret configured
 * is refused: an unauthenticated intake would let anyone enqueue work.
 * Messages name the header or the FORGEBOT_* variable at fault and never
 * quote a secret, a token or a signature.
 */
#include "webhooks_priv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../bot/core/crypto.h"

#define SIG_PREFIX "sha256="
#define SIG_HEX_LEN 64

static size_t configured(const char *const *secrets, size_t n)
{
	size_t i, k = 0;

	for (i = 0; secrets && i < n; i++)
		if (secrets[i] && secrets[i][0])
			k++;
	return k;
}

static void hex_encode(char out[SIG_HEX_LEN + 1], const unsigned char mac[32])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < 32; i++) {
		out[2 * i] = digits[mac[i] >> 4];
		out[2 * i + 1] = digits[mac[i] & 15];
	}
	out[SIG_HEX_LEN] = '\0';
}

/* Lowercase the received hex digits into out; false unless exactly 64. */
static bool sig_hex(char out[SIG_HEX_LEN + 1], const char *hex)
{
	size_t i;

	for (i = 0; hex[i]; i++) {
		char c = hex[i];
		if (i == SIG_HEX_LEN)
			return false;
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		out[i] = c;
	}
	out[i] = '\0';
	return i == SIG_HEX_LEN;
}

static int verify_github(const char *sig, const char *body, size_t len,
			 const struct webhooks_secrets *s, struct fb_error *err)
{
	char got[SIG_HEX_LEN + 1], want[SIG_HEX_LEN + 1];
	unsigned char mac[32];
	bool ok = false;

	if (!configured(s->github, s->ngithub))
		return fb_error_set(err, FB_EAUTH, "no GitHub webhook secret is configured: set "
				    "FORGEBOT_GITHUB_WEBHOOK_SECRET");
	if (!sig)
		return fb_error_set(err, FB_EAUTH, "missing X-Hub-Signature-256 header (is a secret "
				    "set on the GitHub webhook?)");
	if (strncmp(sig, SIG_PREFIX, strlen(SIG_PREFIX)) != 0)
		return fb_error_set(err, FB_EAUTH, "X-Hub-Signature-256 does not start with '"
				    SIG_PREFIX "'");
	if (!sig_hex(got, sig + strlen(SIG_PREFIX)))
		return fb_error_set(err, FB_EAUTH, "X-Hub-Signature-256 is not 'sha256=' and 64 hex "
				    "digits");
	for (size_t i = 0; i < s->ngithub; i++) {
		const char *secret = s->github[i];
		if (!secret || !secret[0])
			continue;
		crypto_hmac_sha256(mac, secret, strlen(secret), body, len);
		hex_encode(want, mac);
		ok |= crypto_equal(want, SIG_HEX_LEN, got, SIG_HEX_LEN);
	}
	if (!ok)
		return fb_error_set(err, FB_EAUTH, "X-Hub-Signature-256 does not match the body "
				    "under any configured secret");
	return 0;
}

/* Whether `given` equals one of `tokens`, comparing SHA-256 digests in
 * constant time and trying every token. */
static bool token_matches(const char *given, size_t glen, const char *const *tokens, size_t n)
{
	char gd[65], td[65];
	bool ok = false;

	crypto_sha256_hex(gd, given, glen);
	for (size_t i = 0; i < n; i++) {
		if (!tokens[i] || !tokens[i][0])
			continue;
		crypto_sha256_hex(td, tokens[i], strlen(tokens[i]));
		ok |= crypto_equal(gd, 64, td, 64);
	}
	return ok;
}

static int verify_gitlab(const char *token, const struct webhooks_secrets *s,
			 struct fb_error *err)
{
	if (!configured(s->gitlab, s->ngitlab))
		return fb_error_set(err, FB_EAUTH, "no GitLab webhook token is configured: set "
				    "FORGEBOT_GITLAB_WEBHOOK_TOKEN");
	if (!token || !token[0])
		return fb_error_set(err, FB_EAUTH, "missing X-Gitlab-Token header (is a secret token "
				    "set on the GitLab webhook?)");
	if (!token_matches(token, strlen(token), s->gitlab, s->ngitlab))
		return fb_error_set(err, FB_EAUTH, "X-Gitlab-Token does not match any configured "
				    "token");
	return 0;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode standard base64 (padding optional) into out, which has room for
 * 3 * n / 4 + 3 bytes; false for anything else.  crypto.h only encodes. */
static bool b64_decode(unsigned char *out, size_t *outlen, const char *in, size_t n)
{
	unsigned long acc = 0;
	size_t i, bits = 0, k = 0;

	while (n > 0 && in[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++) {
		int v = b64_value((unsigned char)in[i]);
		if (v < 0)
			return false;
		acc = ((acc << 6) | (unsigned long)v) & 0xFFFFFF;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[k++] = (unsigned char)(acc >> bits);
		}
	}
	if (bits >= 6) /* a lone sixth of a byte */
		return false;
	*outlen = k;
	return true;
}

/* The password of Basic credentials `b64` checked against the tokens. */
static int verify_basic(const char *b64, size_t n, const struct webhooks_secrets *s,
			struct fb_error *err)
{
	unsigned char *raw = malloc(n / 4 * 3 + 4);
	const unsigned char *colon;
	size_t rawlen = 0;
	int rc = FB_EAUTH;

	if (!raw)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	if (!b64_decode(raw, &rawlen, b64, n)) {
		fb_error_set(err, FB_EAUTH, "Authorization: Basic credentials are not base64");
		goto out;
	}
	colon = memchr(raw, ':', rawlen);
	if (!colon) {
		fb_error_set(err, FB_EAUTH, "Authorization: Basic credentials are not user:password");
		goto out;
	}
	colon++;
	if (!token_matches((const char *)colon, rawlen - (size_t)(colon - raw), s->alertmanager,
			   s->nalertmanager)) {
		fb_error_set(err, FB_EAUTH, "Authorization: the Basic password does not match any "
			     "configured token");
		goto out;
	}
	rc = 0;
out:
	memset(raw, 0, n / 4 * 3 + 4);
	free(raw);
	return rc;
}

static int verify_alertmanager(const char *auth, const struct webhooks_secrets *s,
			       struct fb_error *err)
{
	const char *cred;
	size_t scheme, n;

	if (!configured(s->alertmanager, s->nalertmanager))
		return fb_error_set(err, FB_EAUTH, "no Alertmanager token is configured: set "
				    "FORGEBOT_ALERTMANAGER_TOKEN");
	if (!auth)
		return fb_error_set(err, FB_EAUTH, "missing Authorization header (a Bearer token or "
				    "a Basic password; see http_config in alertmanager.yml)");
	auth += strspn(auth, " \t");
	scheme = strcspn(auth, " \t");
	cred = auth + scheme;
	cred += strspn(cred, " \t");
	n = strlen(cred);
	while (n > 0 && (cred[n - 1] == ' ' || cred[n - 1] == '\t'))
		n--;
	if (scheme == 6 && strncasecmp(auth, "Bearer", 6) == 0) {
		if (n == 0 || !token_matches(cred, n, s->alertmanager, s->nalertmanager))
			return fb_error_set(err, FB_EAUTH, "Authorization: the Bearer token does not "
					    "match any configured token");
		return 0;
	}
	if (scheme == 5 && strncasecmp(auth, "Basic", 5) == 0)
		return verify_basic(cred, n, s, err);
	return fb_error_set(err, FB_EAUTH, "Authorization: expected the Bearer or Basic scheme");
}

int webhooks_verify(enum event_source source, webhooks_header_fn header, void *header_payload,
		    const char *body, size_t len, const struct webhooks_secrets *secrets,
		    struct fb_error *err)
{
	static const struct webhooks_secrets none = { 0 };
	const struct webhooks_secrets *s = secrets ? secrets : &none;

	switch (source) {
	case EVENT_SRC_GITHUB:
		return verify_github(webhooks_header(header, header_payload, "X-Hub-Signature-256"),
				     body, len, s, err);
	case EVENT_SRC_GITLAB:
		return verify_gitlab(webhooks_header(header, header_payload, "X-Gitlab-Token"), s,
				     err);
	case EVENT_SRC_ALERTMANAGER:
		return verify_alertmanager(webhooks_header(header, header_payload, "Authorization"),
					   s, err);
	}
	return fb_error_set(err, FB_EAUTH, "unknown webhook source %d", (int)source);
}
