/* require.h - the fuzz targets' contract check: a broken one is reported
 * ("NAME: contract broken: COND (FILE:LINE)", which scripts/fuzz.sh looks
 * for) and aborts, so libFuzzer keeps the input as a crash. Define
 * FUZZ_NAME before including it. */
#ifndef WIMM_FUZZ_REQUIRE_H
#define WIMM_FUZZ_REQUIRE_H

#include <stdio.h>
#include <stdlib.h>

#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, FUZZ_NAME ": contract broken: %s (%s:%d)\n", #cond,        \
			        __FILE__, __LINE__);                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
