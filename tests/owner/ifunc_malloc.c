/* ifunc_malloc.c - a library whose malloc is a GNU indirect function (the
 * symbol's value is a resolver, not malloc): still the object that serves
 * malloc, and its address is not what the owner check may call. */
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static void *my_malloc(size_t n) { return __libc_malloc(n); }
__attribute__((used)) static void *(*resolve_malloc(void))(size_t) { return my_malloc; }
void *malloc(size_t n) __attribute__((ifunc("resolve_malloc")));
void *calloc(size_t n, size_t size) { return __libc_calloc(n, size); }
void *realloc(void *p, size_t n) { return __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
