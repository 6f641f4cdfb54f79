/*
 * test_diff.c - the unified-diff parser and the changed-line filter.
 *
 * The inputs are real `git diff` and GNU `diff -u` outputs (the same ones
 * as tests/fuzz/corpus/diff/), plus hand-broken variants for the errors.
 */
#include <stdlib.h>
#include <string.h>

#include "../../analyzers/diff/diff.h"
#include "test.h"

static const char git_mixed[] =
	"diff --git a/b.bin b/b.bin\n"
	"index 88768ef..3e3315e 100644\n"
	"Binary files a/b.bin and b/b.bin differ\n"
	"diff --git a/del.txt b/del.txt\n"
	"deleted file mode 100644\n"
	"index 286c5f5..0000000\n"
	"--- a/del.txt\n"
	"+++ /dev/null\n"
	"@@ -1 +0,0 @@\n"
	"-gone\n"
	"diff --git a/m.txt b/m.txt\n"
	"index 92dfa21..dd13046 100644\n"
	"--- a/m.txt\n"
	"+++ b/m.txt\n"
	"@@ -1,10 +1,12 @@\n"
	" a\n-b\n+B\n c\n d\n e\n f\n g\n h\n-i\n+I\n j\n+k\n+-- x\n"
	"diff --git a/mode.sh b/mode.sh\n"
	"old mode 100644\n"
	"new mode 100755\n"
	"diff --git a/ren.txt b/moved.txt\n"
	"similarity index 82%\n"
	"rename from ren.txt\n"
	"rename to moved.txt\n"
	"index b566061..2019eda 100644\n"
	"--- a/ren.txt\n"
	"+++ b/moved.txt\n"
	"@@ -4,3 +4,4 @@ three\n"
	" four\n five\n six\n+seven\n"
	"diff --git a/new.txt b/new.txt\n"
	"new file mode 100644\n"
	"index 0000000..3e75765\n"
	"--- /dev/null\n"
	"+++ b/new.txt\n"
	"@@ -0,0 +1 @@\n"
	"+new\n"
	"diff --git a/nonl.txt b/nonl.txt\n"
	"index c1b0730..e25f181 100644\n"
	"--- a/nonl.txt\n"
	"+++ b/nonl.txt\n"
	"@@ -1 +1 @@\n"
	"-x\n"
	"\\ No newline at end of file\n"
	"+y\n"
	"\\ No newline at end of file\n"
	"diff --git a/sp ace.txt b/sp ace.txt\n"
	"index 45b983b..0e2f46c 100644\n"
	"--- a/sp ace.txt\t\n"
	"+++ b/sp ace.txt\t\n"
	"@@ -1 +1,2 @@\n"
	" hi\n+there\n"
	"diff --git \"a/t\\tab.txt\" \"b/t\\tab.txt\"\n"
	"index bca70f3..8a08eba 100644\n"
	"--- \"a/t\\tab.txt\"\n"
	"+++ \"b/t\\tab.txt\"\n"
	"@@ -1 +1,2 @@\n"
	" q\n+r\n"
	"diff --git \"a/\\303\\274.txt\" \"b/\\303\\274.txt\"\n"
	"index 4ae8ef0..24188bd 100644\n"
	"--- \"a/\\303\\274.txt\"\n"
	"+++ \"b/\\303\\274.txt\"\n"
	"@@ -1 +1,2 @@\n"
	" u\n+v\n";

static int parse(struct diff *d, const char *text, struct fb_error *err)
{
	return diff_parse(d, text, strlen(text), err);
}

static bool lines_are(const uint32_t *v, size_t n, const uint32_t *want, size_t nwant)
{
	return n == nwant && (n == 0 || memcmp(v, want, n * sizeof(*v)) == 0);
}

#define LINES_ARE(t, v, n, ...)                                                        \
	do {                                                                           \
		const uint32_t w_[] = { __VA_ARGS__ };                                 \
		CHECK(t, lines_are(v, n, w_, sizeof(w_) / sizeof(w_[0])));             \
	} while (0)

static void test_git_mixed(struct test_ctx *t)
{
	struct diff d;
	struct fb_error err = { 0 };
	const struct diff_file *f;

	CHECK_INT(t, parse(&d, git_mixed, &err), 0);
	CHECK_INT(t, d.n, 10);
	if (d.n != 10)
		goto out;
	f = &d.files[0];
	CHECK_STR(t, f->new_path, "b.bin");
	CHECK(t, f->binary && f->status == DIFF_MODIFIED && f->nhunks == 0);
	f = &d.files[1];
	CHECK_STR(t, f->old_path, "del.txt");
	CHECK_STR(t, f->new_path, "del.txt");
	CHECK_INT(t, f->status, DIFF_DELETED);
	CHECK_INT(t, f->nadded, 0);
	f = &d.files[2];
	CHECK_STR(t, f->new_path, "m.txt");
	CHECK_INT(t, f->nhunks, 1);
	CHECK_INT(t, f->hunks[0].old_start, 1);
	CHECK_INT(t, f->hunks[0].old_lines, 10);
	CHECK_INT(t, f->hunks[0].new_lines, 12);
	LINES_ARE(t, f->added, f->nadded, 2, 9, 11, 12);
	LINES_ARE(t, f->context, f->ncontext, 1, 3, 4, 5, 6, 7, 8, 10);
	CHECK(t, d.files[3].status == DIFF_MODIFIED && d.files[3].nhunks == 0);
	f = &d.files[4];
	CHECK_STR(t, f->old_path, "ren.txt");
	CHECK_STR(t, f->new_path, "moved.txt");
	CHECK_INT(t, f->status, DIFF_RENAMED);
	LINES_ARE(t, f->added, f->nadded, 7);
	LINES_ARE(t, f->context, f->ncontext, 4, 5, 6);
	f = &d.files[5];
	CHECK_INT(t, f->status, DIFF_ADDED);
	CHECK_STR(t, f->old_path, "new.txt");
	LINES_ARE(t, f->added, f->nadded, 1);
	LINES_ARE(t, d.files[6].added, d.files[6].nadded, 1);
	CHECK_STR(t, d.files[7].new_path, "sp ace.txt");
	CHECK_STR(t, d.files[8].new_path, "t\tab.txt");
	CHECK_STR(t, d.files[9].new_path, "\xc3\xbc.txt");
	CHECK(t, diff_find(&d, "moved.txt") == &d.files[4]);
	CHECK(t, diff_find(&d, "ren.txt") == NULL);
	CHECK(t, diff_find(&d, "del.txt") == NULL);
	CHECK(t, diff_find(&d, "nope") == NULL);
out:
	diff_release(&d);
}

static void test_rename_with_spaces(struct test_ctx *t)
{
	struct diff d;
	struct fb_error err = { 0 };

	CHECK_INT(t, parse(&d, "diff --git a/sp ace.txt b/other name.txt\n"
			       "similarity index 100%\n"
			       "rename from sp ace.txt\n"
			       "rename to other name.txt\n", &err), 0);
	CHECK_INT(t, d.n, 1);
	if (d.n == 1) {
		CHECK_STR(t, d.files[0].old_path, "sp ace.txt");
		CHECK_STR(t, d.files[0].new_path, "other name.txt");
		CHECK_INT(t, d.files[0].status, DIFF_RENAMED);
	}
	diff_release(&d);
}

static void test_binary_patch(struct test_ctx *t)
{
	struct diff d;
	struct fb_error err = { 0 };

	CHECK_INT(t, parse(&d, "diff --git a/b.bin b/b.bin\n"
			       "index 88768efdf77ec78c9a99..3e3315e1b02129d19772 100644\n"
			       "GIT binary patch\n"
			       "literal 5\n"
			       "McmZQzO3KUw00MIXJOBUy\n"
			       "\n"
			       "literal 5\n"
			       "McmZQzOv=my00M6TI{*Lx\n"
			       "\n"
			       "diff --git a/x b/x\n"
			       "new file mode 100644\n"
			       "index 0000000..e69de29\n", &err), 0);
	CHECK_INT(t, d.n, 2);
	if (d.n == 2) {
		CHECK(t, d.files[0].binary);
		CHECK_STR(t, d.files[1].new_path, "x");
		CHECK_INT(t, d.files[1].status, DIFF_ADDED);
	}
	diff_release(&d);
}

static void test_plain_diff(struct test_ctx *t)
{
	struct diff d;
	struct fb_error err = { 0 };

	CHECK_INT(t, parse(&d, "Binary files a/bin and b/bin differ\n"
			       "diff -ruN a/f.c b/f.c\n"
			       "--- a/f.c\t2024-11-24 22:30:47.473972717 +0000\n"
			       "+++ b/f.c\t2024-11-24 22:30:47.473972717 +0000\n"
			       "@@ -1,3 +1,3 @@\n"
			       " 1\n-2\n+2x\n 3\n"
			       "Only in a: gone.c\n"
			       "--- old.c\t2024-01-01\n"
			       "+++ new.c\t2024-01-01\n"
			       "@@ -2 +2,2 @@\n"
			       "-x\n+y\n+z\n", &err), 0);
	CHECK_INT(t, d.n, 3);
	if (d.n == 3) {
		CHECK_STR(t, d.files[0].new_path, "bin");
		CHECK(t, d.files[0].binary);
		CHECK_STR(t, d.files[1].old_path, "f.c");
		CHECK_STR(t, d.files[1].new_path, "f.c");
		LINES_ARE(t, d.files[1].added, d.files[1].nadded, 2);
		LINES_ARE(t, d.files[1].context, d.files[1].ncontext, 1, 3);
		CHECK_STR(t, d.files[2].old_path, "old.c");
		CHECK_STR(t, d.files[2].new_path, "new.c");
		LINES_ARE(t, d.files[2].added, d.files[2].nadded, 2, 3);
	}
	diff_release(&d);
}

/* Content lines that look like headers are content while counts remain;
 * CRLF header lines and a trimmed blank context line are accepted. */
static void test_tricky_content(struct test_ctx *t)
{
	struct diff d;
	struct fb_error err = { 0 };

	CHECK_INT(t, parse(&d, "--- a/x\r\n"
			       "+++ b/x\r\n"
			       "@@ -1,4 +1,4 @@\r\n"
			       "--- a/y\r\n"
			       "++++ b/y\r\n"
			       "\n"
			       " @@ -1 +1 @@\r\n"
			       "-diff --git a/z b/z\n"
			       "+diff --git a/w b/w\n"
			       "@@ -9 +9 @@ int main(void)\n"
			       "-q\n"
			       "+r", &err), 0);
	CHECK_INT(t, d.n, 1);
	if (d.n == 1) {
		CHECK_STR(t, d.files[0].new_path, "x");
		CHECK_INT(t, d.files[0].nhunks, 2);
		LINES_ARE(t, d.files[0].added, d.files[0].nadded, 1, 4, 9);
		LINES_ARE(t, d.files[0].context, d.files[0].ncontext, 2, 3);
	}
	diff_release(&d);
	CHECK_INT(t, parse(&d, "", &err), 0);
	CHECK_INT(t, d.n, 0);
	diff_release(&d);
}

struct bad_case {
	const char *text;
	const char *msg; /* the whole expected message */
};

static const struct bad_case bad_cases[] = {
	{ "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n+c\n",
	  "diff line 6: unexpected line outside a hunk: '+c'" },
	{ "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n+b\nfoo\n",
	  "diff line 6: hunk ends early (1 old and 1 new lines missing): 'foo'" },
	{ "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n+b\n",
	  "diff line 5: diff ends inside a hunk (1 old and 1 new lines missing): '+b'" },
	{ "--- a/x\n+++ b/x\n@@ -1 +1 @@\n+a\n+b\n",
	  "diff line 5: more '+' lines than the hunk header says: '+b'" },
	{ "--- a/x\n+++ b/x\n@@ -1,x +1 @@\n",
	  "diff line 3: malformed hunk header: '@@ -1,x +1 @@'" },
	{ "--- a/x\n+++ b/x\n@@ -1 +1 @@junk\n",
	  "diff line 3: malformed hunk header: '@@ -1 +1 @@junk'" },
	{ "--- a/x\n+++ b/x\n@@ -1 +99999999999 @@\n",
	  "diff line 3: malformed hunk header: '@@ -1 +99999999999 @@'" },
	{ "--- a/x\n+++ b/x\n@@ -1 +4294967295,2 @@\n",
	  "diff line 3: malformed hunk header: '@@ -1 +4294967295,2 @@'" },
	{ "--- a/x\n+++ b/x\n@@ -0,0 +0,0 @@\n", "diff line 3: empty hunk: '@@ -0,0 +0,0 @@'" },
	{ "--- a/x\n+++ b/x\n@@ -5 +5 @@\n-a\n+b\n@@ -1 +1 @@\n-a\n+b\n",
	  "diff line 6: hunk overlaps or precedes the previous hunk: '@@ -1 +1 @@'" },
	{ "hello\n", "diff line 1: unexpected line outside a hunk: 'hello'" },
	{ "+++ b/x\n", "diff line 1: '+++' line without a '---' line: '+++ b/x'" },
	{ "--- a/x\n@@ -1 +1 @@\n", "diff line 2: '---' line not followed by '+++': '@@ -1 +1 @@'" },
	{ "@@ -1 +1 @@\n-a\n+b\n", "diff line 1: hunk header outside a file: '@@ -1 +1 @@'" },
	{ "diff --git a/x b/x\n@@ -1 +1 @@\n",
	  "diff line 2: hunk header before the '---'/'+++' lines: '@@ -1 +1 @@'" },
	{ "diff --cc x\n", "diff line 1: combined (merge) diffs are not supported: 'diff --cc x'" },
	{ "diff --git \"a/x b/x\n", "diff line 1: malformed quoted path: 'diff --git \"a/x b/x'" },
	{ "--- \"a/\\q\"\n+++ b/x\n", "diff line 1: malformed quoted path: '--- \"a/\\q\"'" },
	{ "--- /dev/null\n+++ /dev/null\n", "diff line 2: both sides are /dev/null: '+++ /dev/null'" },
	{ "\\ No newline at end of file\n",
	  "diff line 1: unexpected line outside a hunk: '\\ No newline at end of file'" },
	{ "diff --git a/x b/x\nrename from x\nrename from y\n",
	  "diff line 3: repeated header line: 'rename from y'" },
	{ "diff --git a/x b/x\nnew file mode 100644\ndeleted file mode 100644\n",
	  "diff line 1: file is both added and deleted" },
	{ "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n--- a/x\n+++ b/x\n@@ -3 +3 @@\n-a\n+b\n",
	  "diff line 6: file 'x' appears twice in the diff" },
	{ "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n\x1b[31m\n",
	  "diff line 6: unexpected line outside a hunk: '?[31m'" },
	{ "diff --git a/x b/x\ndeleted file mode 100644\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
	  "diff line 1: a deleted file has hunks with lines on both sides" },
	{ "--- /dev/null\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
	  "diff line 1: an added file has hunks with lines on both sides" },
	{ NULL, NULL },
};

static void test_corrupt(struct test_ctx *t)
{
	const struct bad_case *c;

	for (c = bad_cases; c->text; c++) {
		struct diff d;
		struct fb_error err = { 0 };
		int rc = parse(&d, c->text, &err);

		if (rc != FB_EINVAL || strcmp(err.msg, c->msg) != 0)
			TEST_FAIL(t, "input %d: rc %d, message \"%.200s\", want \"%.200s\"",
				  (int)(c - bad_cases), rc, err.msg, c->msg);
		CHECK(t, d.n == 0 && d.files == NULL);
		diff_release(&d);
	}
}

static void test_embedded_nul(struct test_ctx *t)
{
	static const char text[] = "--- a/x\0y\n+++ b/x\n";
	struct diff d;
	struct fb_error err = { 0 };

	CHECK_INT(t, diff_parse(&d, text, sizeof(text) - 1, &err), FB_EINVAL);
	CHECK(t, strcmp(err.msg, "diff line 1: NUL byte in path: '--- a/x?y'") == 0);
	diff_release(&d);
}

static void test_filter(struct test_ctx *t)
{
	struct diff d;
	struct fb_error err = { 0 };
	enum filter_mode m;

	CHECK_INT(t, parse(&d, git_mixed, &err), 0);
	/* m.txt: added 2 9 11 12, context 1 3-8 10 */
	CHECK(t, diff_keeps(&d, FILTER_ADDED, "m.txt", 2, 2));
	CHECK(t, !diff_keeps(&d, FILTER_ADDED, "m.txt", 3, 3));
	CHECK(t, diff_keeps(&d, FILTER_ADDED, "m.txt", 3, 9));   /* any line of the range */
	CHECK(t, !diff_keeps(&d, FILTER_ADDED, "m.txt", 3, 8));
	CHECK(t, diff_keeps(&d, FILTER_ADDED, "m.txt", 12, 5));  /* end < start: one line */
	CHECK(t, diff_keeps(&d, FILTER_DIFF_CONTEXT, "m.txt", 3, 3));
	CHECK(t, !diff_keeps(&d, FILTER_DIFF_CONTEXT, "m.txt", 13, 20));
	CHECK(t, diff_keeps(&d, FILTER_FILE, "m.txt", 100, 100));
	CHECK(t, !diff_keeps(&d, FILTER_FILE, "other.c", 1, 1));
	CHECK(t, !diff_keeps(&d, FILTER_FILE, "del.txt", 1, 1));
	CHECK(t, diff_keeps(&d, FILTER_FILE, "mode.sh", 1, 1));
	CHECK(t, diff_keeps(&d, FILTER_NOFILTER, "other.c", 1, 1));
	CHECK(t, !diff_keeps(&d, FILTER_ADDED, "moved.txt", 4, 6));
	CHECK(t, diff_keeps(&d, FILTER_DIFF_CONTEXT, "moved.txt", 4, 4));
	CHECK(t, diff_keeps(&d, FILTER_ADDED, "moved.txt", 7, 7));
	diff_release(&d);

	CHECK_INT(t, filter_mode_parse("added", &m), 0);
	CHECK_INT(t, m, FILTER_ADDED);
	CHECK_INT(t, filter_mode_parse("diff_context", &m), 0);
	CHECK_INT(t, m, FILTER_DIFF_CONTEXT);
	CHECK_INT(t, filter_mode_parse("file", &m), 0);
	CHECK_INT(t, m, FILTER_FILE);
	CHECK_INT(t, filter_mode_parse("nofilter", &m), 0);
	CHECK_INT(t, m, FILTER_NOFILTER);
	CHECK_INT(t, filter_mode_parse("Added", &m), FB_EINVAL);
	CHECK_STR(t, filter_mode_str(FILTER_DIFF_CONTEXT), "diff_context");
}

const struct test_case diff_tests[] = {
	{ "git_mixed", test_git_mixed },
	{ "rename_with_spaces", test_rename_with_spaces },
	{ "binary_patch", test_binary_patch },
	{ "plain_diff", test_plain_diff },
	{ "tricky_content", test_tricky_content },
	{ "corrupt", test_corrupt },
	{ "embedded_nul", test_embedded_nul },
	{ "filter", test_filter },
	{ NULL, NULL },
};
