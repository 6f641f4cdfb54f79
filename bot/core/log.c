/*
 * log.c - formatting of log lines; see log.h.
 */
#include "log.h"

#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "err.h"

static const char *const level_names[] = { "debug", "info", "warn", "error", "off" };

void log_init(struct log *lg, enum log_level level, enum log_format format)
{
	lg->level = level;
	lg->format = format;
	lg->out = stderr;
}

int log_level_parse(const char *s, enum log_level *out)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	if (strcasecmp(s, "warning") == 0) {
		*out = LOG_WARN;
		return 0;
	}
	return FB_EINVAL;
}

static int is_secret_key(const char *k)
{
	static const char *const words[] = { "token", "secret", "password", "passwd", "key",
					     "authorization", NULL };
	size_t i;

	for (i = 0; words[i]; i++)
		if (strcasestr(k, words[i]))
			return 1;
	return 0;
}

static void put_text_value(struct buf *b, const char *v)
{
	int quote = *v == '\0' || strpbrk(v, " \t\"=\n") != NULL;
	const char *p;

	if (!quote) {
		buf_puts(b, v);
		return;
	}
	buf_putc(b, '"');
	for (p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(b, '\\');
		if (*p == '\n')
			buf_puts(b, "\\n");
		else
			buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

static void put_json_string(struct buf *b, const char *v)
{
	const unsigned char *p;

	buf_putc(b, '"');
	for (p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p < 0x20)
			buf_printf(b, "\\u%04x", *p);
		else
			buf_putc(b, (char)*p);
	}
	buf_putc(b, '"');
}

void log_write(const struct log *lg, enum log_level level, const char *msg, ...)
{
	struct buf b;
	char ts[32];
	struct tm tm;
	time_t now;
	va_list ap;
	const char *k, *v;

	if (lg == NULL || level < lg->level || level >= LOG_OFF)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_init(&b, 64 * 1024);
	if (lg->format == LOG_FORMAT_JSON) {
		buf_printf(&b, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", ts, level_names[level]);
		put_json_string(&b, msg);
	} else {
		buf_printf(&b, "time=%s level=%s msg=", ts, level_names[level]);
		put_text_value(&b, msg);
	}
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (v == NULL)
			v = "";
		if (is_secret_key(k))
			v = "[redacted]";
		if (lg->format == LOG_FORMAT_JSON) {
			buf_putc(&b, ',');
			put_json_string(&b, k);
			buf_putc(&b, ':');
			put_json_string(&b, v);
		} else {
			buf_printf(&b, " %s=", k);
			put_text_value(&b, v);
		}
	}
	va_end(ap);
	buf_puts(&b, lg->format == LOG_FORMAT_JSON ? "}\n" : "\n");
	fwrite(b.ptr, 1, b.len, lg->out ? lg->out : stderr);
	buf_release(&b);
}
