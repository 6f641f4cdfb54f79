/*
 * log.h - one logging module: `key=value` lines (or JSON lines) on stderr.
 *
 * A `struct log` is configured once (level, format, output) and passed down;
 * there is no global logger.  Every line carries a timestamp, the level, a
 * message and optional key=value fields; values that look like secrets
 * (fields named *token*, *secret*, *password*, *key*) are redacted.
 * Writing a line is one fwrite under stdio's own lock, so a log may be
 * shared by threads.
 */
#ifndef FB_CORE_LOG_H
#define FB_CORE_LOG_H

#include <stdio.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

struct log {
	enum log_level level;
	enum log_format format;
	FILE *out; /* stderr unless set */
};

void log_init(struct log *lg, enum log_level level, enum log_format format);
/* Parse "debug|info|warn|error|off"; returns 0 or FB_EINVAL. */
int log_level_parse(const char *s, enum log_level *out);

/* Log `msg` with NULL-terminated key, value string pairs:
 *   log_write(lg, LOG_WARN, "file skipped", "path", p, "reason", "binary", NULL); */
void log_write(const struct log *lg, enum log_level level, const char *msg, ...);

#endif
