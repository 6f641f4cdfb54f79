/*
 * test_forge.c - the pieces of the forge layer that need no network:
 * crypto helpers (base64, JWT, gzip, constant-time compare), HTTP helpers
 * (Link parsing, backoff), the CI environment reader, and the Markdown
 * forgebot posts (markers, outdated bodies, the summary).  The network
 * paths are tested end to end against real peers in tests/integration.
 */
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "../../bot/agents/publish_priv.h"
#include "../../bot/cmd/ci_env.h"
#include "../../bot/core/crypto.h"
#include "../../bot/forge/http.h"
#include "test.h"

static void base64_vectors(struct test_ctx *t)
{
	static const struct { const char *in, *b64, *url; } v[] = {
		{ "", "", "" },
		{ "f", "Zg==", "Zg" },
		{ "fo", "Zm8=", "Zm8" },
		{ "foo", "Zm9v", "Zm9v" },
		{ "foob", "Zm9vYg==", "Zm9vYg" },
		{ "\xfb\xff", "+/8=", "-_8" },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct buf a, b;
		buf_init(&a, 1024);
		buf_init(&b, 1024);
		CHECK_INT(t, crypto_base64(&a, v[i].in, strlen(v[i].in)), 0);
		CHECK_INT(t, crypto_base64url(&b, v[i].in, strlen(v[i].in)), 0);
		CHECK_STR(t, buf_cstr(&a), v[i].b64);
		CHECK_STR(t, buf_cstr(&b), v[i].url);
		buf_release(&a);
		buf_release(&b);
	}
}

static void equal_and_hmac(struct test_ctx *t)
{
	unsigned char mac[32];
	char hex[65];

	CHECK(t, crypto_equal("abc", 3, "abc", 3));
	CHECK(t, !crypto_equal("abc", 3, "abd", 3));
	CHECK(t, !crypto_equal("abc", 3, "abcd", 4));
	/* RFC 4231 test case 2. */
	crypto_hmac_sha256(mac, "Jefe", 4, "what do ya want for nothing?", 28);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	CHECK_STR(t, hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	crypto_sha256_hex(hex, "abc", 3);
	CHECK_STR(t, hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void gzip_round_trip(struct test_ctx *t)
{
	const char *text = "{\"version\":\"2.1.0\",\"runs\":[]}";
	struct buf gz;
	struct fb_error err = { 0 };
	char back[128];
	z_stream zs = { 0 };

	buf_init(&gz, 4096);
	CHECK_INT(t, crypto_gzip(&gz, text, strlen(text), &err), 0);
	CHECK(t, gz.len > 18 && (unsigned char)gz.ptr[0] == 0x1f && (unsigned char)gz.ptr[1] == 0x8b);
	CHECK_INT(t, inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (unsigned char *)gz.ptr;
	zs.avail_in = (uInt)gz.len;
	zs.next_out = (unsigned char *)back;
	zs.avail_out = sizeof back - 1;
	CHECK_INT(t, inflate(&zs, Z_FINISH), Z_STREAM_END);
	back[sizeof back - 1 - zs.avail_out] = '\0';
	inflateEnd(&zs);
	CHECK_STR(t, back, text);
	buf_release(&gz);
}

/* A JWT signed with a fresh key verifies with `openssl dgst -verify`. */
static void github_app_jwt(struct test_ctx *t)
{
	char dir[] = "/tmp/fbjwtXXXXXX", cmd[1024], path[600];
	struct buf jwt, key, part, sig;
	struct fb_error err = { 0 };
	FILE *fp;
	const char *dot1, *dot2;

	if (!mkdtemp(dir)) {
		TEST_FAIL(t, "mkdtemp");
		return;
	}
	snprintf(cmd, sizeof cmd, "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 "
		 "-out %s/k.pem 2>/dev/null && openssl pkey -in %s/k.pem -pubout -out %s/p.pem",
		 dir, dir, dir);
	CHECK_INT(t, system(cmd), 0);
	snprintf(path, sizeof path, "%s/k.pem", dir);
	buf_init(&key, 1 << 16);
	fp = fopen(path, "rb");
	CHECK(t, fp != NULL);
	if (fp) {
		buf_read_stream(&key, fp);
		fclose(fp);
	}
	buf_init(&jwt, 1 << 16);
	CHECK_INT(t, crypto_github_app_jwt(&jwt, "Iv1.abc123", buf_cstr(&key), 1700000000, &err), 0);
	dot1 = strchr(buf_cstr(&jwt), '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	CHECK(t, dot1 && dot2);
	/* Header is fixed; the claims carry iat - 60 and exp + 540. */
	CHECK(t, strncmp(buf_cstr(&jwt), "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.", 37) == 0);
	buf_init(&part, 4096);
	{
		const char *claims = "{\"iat\":1699999940,\"exp\":1700000540,\"iss\":\"Iv1.abc123\"}";
		crypto_base64url(&part, claims, strlen(claims));
	}
	CHECK(t, dot1 && strncmp(dot1 + 1, buf_cstr(&part), part.len) == 0);
	if (dot2) {
		/* Write signing input and the signature (base64url → raw via openssl). */
		snprintf(path, sizeof path, "%s/in", dir);
		fp = fopen(path, "wb");
		fwrite(jwt.ptr, 1, (size_t)(dot2 - jwt.ptr), fp);
		fclose(fp);
		buf_init(&sig, 4096);
		for (const char *p = dot2 + 1; *p; p++)
			buf_putc(&sig, *p == '-' ? '+' : *p == '_' ? '/' : *p);
		while (sig.len % 4)
			buf_putc(&sig, '=');
		snprintf(path, sizeof path, "%s/sig.b64", dir);
		fp = fopen(path, "wb");
		fprintf(fp, "%s\n", buf_cstr(&sig));
		fclose(fp);
		buf_release(&sig);
		snprintf(cmd, sizeof cmd, "openssl base64 -d -A -in %s/sig.b64 -out %s/sig && "
			 "openssl dgst -sha256 -verify %s/p.pem -signature %s/sig %s/in >/dev/null",
			 dir, dir, dir, dir, dir);
		CHECK_INT(t, system(cmd), 0);
	}
	/* A broken key is refused without echoing it. */
	buf_reset(&jwt);
	CHECK_INT(t, crypto_github_app_jwt(&jwt, "1", "-----BEGIN PRIVATE KEY-----\nsecretjunk\n",
					   1700000000, &err), FB_EINVAL);
	CHECK(t, strstr(err.msg, "secretjunk") == NULL);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK_INT(t, system(cmd), 0);
	buf_release(&part);
	buf_release(&jwt);
	buf_release(&key);
}

static void link_next(struct test_ctx *t)
{
	char *n = http_link_next("<https://api.github.com/x?page=2>; rel=\"next\", "
				 "<https://api.github.com/x?page=9>; rel=\"last\"");
	CHECK_STR(t, n, "https://api.github.com/x?page=2");
	free(n);
	n = http_link_next("<https://a/x?page=1>; rel=\"prev\", <https://a/x?page=3>; rel=\"next\"");
	CHECK_STR(t, n, "https://a/x?page=3");
	free(n);
	CHECK(t, http_link_next("<https://a/x?page=1>; rel=\"first\"") == NULL);
	CHECK(t, http_link_next("garbage") == NULL);
	CHECK(t, http_link_next("") == NULL);
}

static void backoff(struct test_ctx *t)
{
	/* Full jitter in [w/2, w], doubling, capped. */
	CHECK_INT(t, http_backoff_ms(500, 60000, 1, 0), 250);
	CHECK_INT(t, http_backoff_ms(500, 60000, 1, 250), 500);
	CHECK_INT(t, http_backoff_ms(500, 60000, 3, 0), 1000);
	CHECK_INT(t, http_backoff_ms(500, 4000, 10, 0), 2000);
	CHECK(t, http_backoff_ms(500, 4000, 10, 12345) <= 4000);
}

static void rate_limit_wait(struct test_ctx *t)
{
	struct http_response r;

	http_response_init(&r);
	r.status = 200;
	CHECK_INT(t, http_rate_limit_wait_ms(&r, 1000), -1);
	r.status = 429;
	CHECK_INT(t, http_rate_limit_wait_ms(&r, 1000), 0);
	r.retry_after = 7;
	CHECK_INT(t, http_rate_limit_wait_ms(&r, 1000), 7000);
	r.status = 403;
	r.retry_after = -1;
	CHECK_INT(t, http_rate_limit_wait_ms(&r, 1000), -1); /* a refusal */
	r.rate_remaining = 0;
	r.rate_reset = 1030;
	CHECK_INT(t, http_rate_limit_wait_ms(&r, 1000), 30500);
	r.rate_remaining = 12;
	buf_puts(&r.body, "{\"message\":\"You have exceeded a secondary rate limit.\"}");
	CHECK_INT(t, http_rate_limit_wait_ms(&r, 1000), 60000);
	buf_reset(&r.body);
	buf_puts(&r.body, "{\"message\":\"Resource not accessible by integration\"}");
	CHECK_INT(t, http_rate_limit_wait_ms(&r, 1000), -1);
	http_response_release(&r);
}

struct fake_env {
	const char *const *kv; /* name, value, ..., NULL */
};

static const char *fake_get(const char *name, void *payload)
{
	const struct fake_env *e = payload;

	for (size_t i = 0; e->kv[i]; i += 2)
		if (strcmp(e->kv[i], name) == 0)
			return e->kv[i + 1];
	return NULL;
}

static void ci_env_github(struct test_ctx *t)
{
	char path[] = "/tmp/fbeventXXXXXX";
	int fd = mkstemp(path);
	const char *event =
		"{\"action\":\"synchronize\",\"pull_request\":{\"number\":7,"
		"\"head\":{\"sha\":\"1111111111111111111111111111111111111111\","
		"\"repo\":{\"full_name\":\"someone/fork\"}},"
		"\"base\":{\"sha\":\"2222222222222222222222222222222222222222\","
		"\"repo\":{\"full_name\":\"acme/app\"}}}}";
	const char *kv[] = { "GITHUB_ACTIONS", "true", "GITHUB_EVENT_PATH", path,
			     "GITHUB_REPOSITORY", "acme/app", "GITHUB_SHA",
			     "3333333333333333333333333333333333333333", "GITHUB_REF",
			     "refs/pull/7/merge", "GITHUB_TOKEN", "ghs_secret",
			     "GITHUB_API_URL", "https://ghe.example/api/v3", "GITHUB_SERVER_URL",
			     "https://ghe.example", "GITHUB_RUN_ID", "99", NULL };
	struct fake_env fe = { kv };
	struct ci_env env;
	struct fb_error err = { 0 };

	CHECK(t, fd >= 0 && write(fd, event, strlen(event)) == (ssize_t)strlen(event));
	close(fd);
	CHECK_INT(t, ci_env_detect(&env, NULL, NULL, fake_get, &fe, &err), 0);
	CHECK(t, env.forge == FORGE_GITHUB);
	CHECK_INT(t, env.number, 7);
	CHECK_STR(t, env.head_sha, "1111111111111111111111111111111111111111");
	CHECK_STR(t, env.base_sha, "2222222222222222222222222222222222222222");
	CHECK_STR(t, env.checkout_sha, "3333333333333333333333333333333333333333");
	CHECK_STR(t, env.sarif_ref, "refs/pull/7/merge");
	CHECK_STR(t, env.api_url, "https://ghe.example/api/v3");
	CHECK_STR(t, env.details_url, "https://ghe.example/acme/app/actions/runs/99");
	CHECK_STR(t, env.token_source, "GITHUB_TOKEN");
	CHECK(t, env.fork);
	ci_env_release(&env);
	unlink(path);
	/* A broken event file is named in the error. */
	CHECK_INT(t, ci_env_detect(&env, NULL, NULL, fake_get, &fe, &err), FB_EINVAL);
	CHECK(t, strstr(err.msg, "GITHUB_EVENT_PATH") != NULL);
	ci_env_release(&env);
}

static void ci_env_gitlab(struct test_ctx *t)
{
	const char *kv[] = { "GITLAB_CI", "true", "CI_PROJECT_ID", "42", "CI_API_V4_URL",
			     "https://gitlab.example/api/v4", "CI_COMMIT_SHA",
			     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "CI_MERGE_REQUEST_IID", "5",
			     "CI_MERGE_REQUEST_DIFF_BASE_SHA",
			     "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "CI_JOB_TOKEN", "jt",
			     "CI_JOB_URL", "https://gitlab.example/g/p/-/jobs/1", NULL };
	const char *none[] = { "PATH", "/bin", NULL };
	struct fake_env fe = { kv }, fn = { none };
	struct ci_env env;
	struct fb_error err = { 0 };

	CHECK_INT(t, ci_env_detect(&env, NULL, NULL, fake_get, &fe, &err), 0);
	CHECK(t, env.forge == FORGE_GITLAB);
	CHECK_INT(t, env.number, 5);
	CHECK_STR(t, env.base_sha, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	CHECK(t, env.job_token_only && env.auth == FORGE_AUTH_JOB_TOKEN);
	CHECK(t, !env.fork);
	ci_env_release(&env);
	CHECK_INT(t, ci_env_detect(&env, NULL, NULL, fake_get, &fn, &err), FB_ENOTFOUND);
	ci_env_release(&env);
	CHECK_INT(t, ci_env_detect(&env, "bitbucket", NULL, fake_get, &fn, &err), FB_EINVAL);
	ci_env_release(&env);
}

static void markers(struct test_ctx *t)
{
	char fp[17];
	bool outdated;
	struct buf b;

	CHECK_INT(t, publish_marker_parse("text\n<!-- forgebot:v1 fp=0123456789abcdef rule=x -->",
					  fp, &outdated), 1);
	CHECK_STR(t, fp, "0123456789abcdef");
	CHECK(t, !outdated);
	CHECK_INT(t, publish_marker_parse("<!-- forgebot:v1 fp=0123 rule=x -->", fp, &outdated), 0);
	CHECK_INT(t, publish_marker_parse("no marker", fp, &outdated), 0);
	buf_init(&b, 4096);
	CHECK_INT(t, publish_outdated_body(&b, "msg\n<!-- forgebot:v1 fp=0123456789abcdef rule=x -->\n",
					   "abcdef0123456789"), 0);
	CHECK(t, strncmp(buf_cstr(&b), "**Outdated:**", 13) == 0);
	CHECK(t, strstr(buf_cstr(&b), "`abcdef0`") != NULL);
	CHECK_INT(t, publish_marker_parse(buf_cstr(&b), fp, &outdated), 1);
	CHECK(t, outdated);
	buf_release(&b);
}

static void summary(struct test_ctx *t)
{
	struct review_result r;
	struct rule rule = { 0 };
	struct finding *f;
	enum aside_reason aside[2] = { ASIDE_NONE, ASIDE_CAPPED };
	struct summary_input in = { 0 };
	struct buf b;

	review_result_init(&r);
	rule.id = "c.demo";
	for (int i = 0; i < 2; i++) {
		f = findings_push(&r.scan.findings);
		f->rule = &rule;
		f->severity = i ? SEV_WARNING : SEV_ERROR;
		f->path = strdup("src/a|b.c");
		f->start_line = f->end_line = (uint32_t)(10 + i);
		f->message = strdup("bad\nthing | here");
	}
	r.files_in_diff = 1;
	in.review = &r;
	in.aside = aside;
	in.head_sha = "0123456789abcdef0123456789abcdef01234567";
	in.fail_on = SEV_ERROR;
	in.max_comments = 1;
	buf_init(&b, 65536);
	CHECK_INT(t, publish_summary_body(&b, &in), 0);
	CHECK(t, strncmp(buf_cstr(&b), PUBLISH_SUMMARY_MARKER, strlen(PUBLISH_SUMMARY_MARKER)) == 0);
	CHECK(t, strstr(buf_cstr(&b), "**2 findings**") != NULL);
	CHECK(t, strstr(buf_cstr(&b), "1 error, 1 warning") != NULL);
	/* Cells are escaped: no raw newline or pipe inside a row. */
	CHECK(t, strstr(buf_cstr(&b), "bad thing \\| here") != NULL);
	CHECK(t, strstr(buf_cstr(&b), "1 finding not shown inline") != NULL);
	CHECK(t, strstr(buf_cstr(&b), "limit of 1 inline comments") != NULL);
	buf_release(&b);
	review_result_release(&r);
}

const struct test_case forge_tests[] = {
	{ "base64_vectors", base64_vectors },
	{ "equal_and_hmac", equal_and_hmac },
	{ "gzip_round_trip", gzip_round_trip },
	{ "github_app_jwt", github_app_jwt },
	{ "link_next", link_next },
	{ "backoff", backoff },
	{ "rate_limit_wait", rate_limit_wait },
	{ "ci_env_github", ci_env_github },
	{ "ci_env_gitlab", ci_env_gitlab },
	{ "markers", markers },
	{ "summary", summary },
	{ NULL, NULL },
};
