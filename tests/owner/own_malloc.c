/* own_malloc.c - malloc, calloc, realloc and free defined in an object
 * (the executable or a library, as the meson rules build it), forwarding
 * to glibc's __libc_* entry points. The owner check must name the first
 * object in search order that defines malloc: the executable comes before
 * any preloaded allocator. Also the malloc of tests/noisy_alloc.c. */
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

void *malloc(size_t n) { return __libc_malloc(n); }
void *calloc(size_t n, size_t size) { return __libc_calloc(n, size); }
void *realloc(void *p, size_t n) { return __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
