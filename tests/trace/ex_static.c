/* ex_static.c - built with -static: `wimm record` must refuse it. */
#include <stdlib.h>

int main(void)
{
	free(malloc(16));
	return 0;
}
