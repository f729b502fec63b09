/* metrics.c - the table of a cell's figures, expanded once (see
 * metrics.h), the figures derived from others, and the one formatter of
 * values by their unit. */
#include "bench/results/metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench/results/cell.h"
#include "common/units.h"

/* ---- derived figures ---- */

double metrics_cpu_s(const double *v) { return v[METRIC_user_s] + v[METRIC_sys_s]; }

/* NaN when ops is n/a (a real program under `wimm exec` counts none). */
double metrics_cpu_per_op_s(const double *v)
{
	return v[METRIC_ops] > 0 ? metrics_cpu_s(v) / v[METRIC_ops] : NAN;
}

/* ---- the table ---- */

#define TYPE_I MT_INT
#define TYPE_F MT_REAL
#define TYPE_V MT_VIRTUAL
#define MEMBER_SIZE_I(key) sizeof(((struct cell_record *)0)->key)
#define MEMBER_SIZE_F(key) sizeof(((struct cell_record *)0)->key)
#define MEMBER_SIZE_V(key) 0
#define MEMBER_OFFSET_I(key) offsetof(struct cell_record, key)
#define MEMBER_OFFSET_F(key) offsetof(struct cell_record, key)
#define MEMBER_OFFSET_V(key) 0
#define ROW_S_(k, sz, d)                                                                           \
	[METRIC_##k] = {.key = #k,                                                                 \
	                .type = MT_STRING,                                                         \
	                .offset = offsetof(struct cell_record, k),                                 \
	                .size = sz,                                                                \
	                .doc = d},
#define ROW_M_(k, t, ...)                                                                          \
	[METRIC_##k] = {.key = #k,                                                                 \
	                .type = TYPE_##t,                                                          \
	                .offset = MEMBER_OFFSET_##t(k),                                            \
	                .size = MEMBER_SIZE_##t(k),                                                \
	                __VA_ARGS__},
const struct metric metrics[METRIC_N] = {CELL_FIELDS(ROW_S_, ROW_M_)};
#undef ROW_S_
#undef ROW_M_

void metrics_derive(double *v, bool all)
{
	for (int i = 0; i < METRIC_N; i++) {
		const struct metric *m = &metrics[i];
		if (!m->derive || (!all && !isnan(v[i])))
			continue;
		double x = m->derive(v);
		/* A ratio over zero measured nothing: n/a, as everywhere. */
		v[i] = isfinite(x) ? x : NAN;
	}
}

char *metrics_format(enum metric_unit u, double v, char *buf, size_t len)
{
	char tmp[32];
	if (!isfinite(v)) {
		snprintf(buf, len, "n/a");
		return buf;
	}
	switch (u) {
	case MU_BYTES:
	case MU_BYTES_SLOPE:
		units_format_size((uint64_t)llround(fabs(v)), tmp, sizeof(tmp));
		snprintf(buf, len, "%s%s", v < 0 ? "-" : "", tmp);
		break;
	case MU_SECONDS:
		units_format_duration(v, buf, len);
		break;
	case MU_MICROS:
		units_format_duration(v * 1e-6, buf, len);
		break;
	case MU_RATIO:
		units_format_ratio(v, buf, len);
		break;
	case MU_FRACTION:
		snprintf(buf, len, "%.3f", v);
		break;
	case MU_ID:
	case MU_COUNT:
		snprintf(buf, len, "%.0f", v);
		break;
	}
	return buf;
}

void metrics_stem(const char *key, char *buf, size_t len)
{
	static const char *const units[] = {"_bytes", "_us", "_s"};
	size_t n = strlen(key);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t u = strlen(units[i]);
		if (n > u && !strcmp(key + n - u, units[i])) {
			n -= u;
			break;
		}
	}
	snprintf(buf, len, "%.*s", (int)n, key);
}
