#include <stdlib.h>
#include <string.h>

static int grow(char **buf, size_t n)
{
	char *p = realloc(*buf, n);
	if (p == NULL) {
		free(*buf);
		return -1;
	}
	memcpy(p, *buf, n / 2);
	*buf = p;
	return 0;
}

int main(void)
{
	char *b = malloc(16);
	if (b == NULL)
		return 1;
	grow(&b, 32);
	memcpy(b, "hello", 6);
	free(b);
	return 0;
}
