/* ynode.h - a small, strict YAML document layer for the workload and
 * allocator loaders.
 *
 * Built on libyaml's event parser rather than its document API so that
 * every node keeps the line and column users need in error messages, and so
 * that the dangerous or confusing parts of YAML are refused while parsing:
 * anchors and aliases (billion-laughs expansion), nesting deeper than
 * YNODE_MAX_DEPTH, more than one document, non-scalar or duplicate mapping
 * keys, explicit tags, and files larger than YNODE_MAX_FILE.
 *
 * The document handle carries the caller's error buffer: every function
 * that fails writes "FILE:LINE:COL: message" there and returns -EINVAL, so
 * a loader only has to `return -EINVAL` (or the returned value). Getters
 * take the mapping and the key; an absent key is not an error for them and
 * leaves *out untouched, so set defaults first and list required keys in
 * ynode_check_keys().
 */
#ifndef WIMM_YNODE_H
#define WIMM_YNODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YNODE_MAX_FILE (1024 * 1024)
#define YNODE_MAX_DEPTH 32

enum ynode_kind { YNODE_SCALAR, YNODE_MAPPING, YNODE_SEQUENCE };

/* A node of the tree; read-only for callers, owned by the document. */
struct ynode {
	enum ynode_kind kind;
	int line, col;      /* 1-based, where the node starts */
	const char *text;   /* scalar: the value, NUL-terminated; NULL otherwise */
	size_t len;         /* scalar: bytes in text (it may hold a "\0" escape) */
	bool plain;         /* scalar: written without quotes or block style */
	bool block;         /* scalar: written as a | or > block */
	int n;              /* mapping: pairs; sequence: items; scalar: 0 */
	struct ynode **key; /* mapping: key of pair i, always a scalar */
	struct ynode **val; /* mapping: value of pair i; sequence: item i */
};

struct ynode_doc;

/* Reads and parses the file at path. The error buffer err (errlen bytes)
 * is kept by the document for all later calls. Returns 0 with *out set,
 * or with *out NULL: -ENODATA for an empty file or a document with no
 * content (err says "FILE: empty file"; callers may word it better),
 * -EFBIG over YNODE_MAX_FILE, -EINVAL for YAML the layer refuses, or
 * -errno when the file cannot be read. */
int ynode_load(const char *path, char *err, size_t errlen, struct ynode_doc **out);

/* Frees the document and all its nodes; NULL is a no-op. */
void ynode_destroy(struct ynode_doc *d);

/* The root node (never NULL) and the path as given to ynode_load. */
const struct ynode *ynode_root(const struct ynode_doc *d);
const char *ynode_path(const struct ynode_doc *d);

/* Writes "FILE:LINE:COL: " (or "FILE: " when at is NULL) and the message
 * to the error buffer. Returns -EINVAL. */
int ynode_fail(struct ynode_doc *d, const struct ynode *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "a mapping", "a list" or the scalar quoted ('4 KB'), for messages. */
const char *ynode_describe(const struct ynode *n, char *buf, size_t len);

/* The value of key in map, or NULL when absent (or map is not a mapping). */
const struct ynode *ynode_get(const struct ynode *map, const char *key);

/* Checks map is a mapping whose keys are all in known and that holds every
 * key of required (both NULL-terminated; required may be NULL). what names
 * the mapping in messages: "phase 'work'" gives "unknown key 'opz' in phase
 * 'work'; known keys: name, generator, ..." or "phase 'work' is missing
 * required key 'ops'". Returns 0 or -EINVAL. */
int ynode_check_keys(struct ynode_doc *d, const struct ynode *map, const char *what,
                     const char *const *known, const char *const *required);

/* Typed getters: 0 when key is absent or its value was stored in *out,
 * -EINVAL with "FILE:L:C: key 'K': expected <what>, got '<text>'" when the
 * value is not of the type or outside [min, max] (inclusive). */

/* A scalar copied into buf (at most size - 1 bytes). Block scalars lose
 * their final newlines: they are YAML's, not the text's. A plain null
 * (empty, ~, null) gives "". */
int ynode_get_str(struct ynode_doc *d, const struct ynode *map, const char *key, char *buf,
                  size_t size);
/* A name: 1 to size - 1 characters from [A-Za-z0-9_.-]. */
int ynode_get_name(struct ynode_doc *d, const struct ynode *map, const char *key, char *buf,
                   size_t size);
/* A decimal integer ("42", "-3"). */
int ynode_get_int(struct ynode_doc *d, const struct ynode *map, const char *key, int64_t min,
                  int64_t max, int64_t *out);
/* A finite decimal number ("0.5", "70", "1e3"). */
int ynode_get_real(struct ynode_doc *d, const struct ynode *map, const char *key, double min,
                   double max, double *out);
/* A size in bytes ("256 KiB"; see units_parse_size). */
int ynode_get_size(struct ynode_doc *d, const struct ynode *map, const char *key, uint64_t min,
                   uint64_t max, uint64_t *out);
/* A duration in seconds ("20 ms"; a unit is required), parsed and checked
 * against min and max in whole nanoseconds (see units_parse_duration). */
int ynode_get_duration(struct ynode_doc *d, const struct ynode *map, const char *key, double min,
                       double max, double *out);
/* A count ("16384", "5M"; see units_parse_count). */
int ynode_get_count(struct ynode_doc *d, const struct ynode *map, const char *key, uint64_t min,
                    uint64_t max, uint64_t *out);
/* true or false (also yes/no, on/off). */
int ynode_get_bool(struct ynode_doc *d, const struct ynode *map, const char *key, bool *out);
/* A list of min..max items; *out is the sequence node (untouched when the
 * key is absent). */
int ynode_get_list(struct ynode_doc *d, const struct ynode *map, const char *key, int min, int max,
                   const struct ynode **out);
/* A mapping; *out is the node (untouched when the key is absent). */
int ynode_get_map(struct ynode_doc *d, const struct ynode *map, const char *key,
                  const struct ynode **out);

/* The same conversions for a node already in hand (a list item, or a
 * mapping value under a key chosen by the user); label stands for the key
 * in messages. n must not be NULL. */
int ynode_as_str(struct ynode_doc *d, const struct ynode *n, const char *label, char *buf,
                 size_t size);
int ynode_as_int(struct ynode_doc *d, const struct ynode *n, const char *label, int64_t min,
                 int64_t max, int64_t *out);

#endif
