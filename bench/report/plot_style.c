/* plot_style.c - colours and line styles of the allocators (see
 * plot_style.h).
 */
#include "bench/report/plot_style.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bench/plan/allocator.h"
#include "bench/plan/catalog.h"
#include "bench/results/jsonr.h"

/* Tableau's 20 colours: distinct on screen and in print. */
static const char *const palette[] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896",
    "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

static int valid_colour(const char *c)
{
	if (strlen(c) != 7 || c[0] != '#')
		return 0;
	return strspn(c + 1, "0123456789abcdefABCDEF") == 6;
}

static double colour_distance(const char *a, const char *b)
{
	unsigned ra, ga, ba, rb, gb, bb;
	if (sscanf(a, "#%2x%2x%2x", &ra, &ga, &ba) != 3 ||
	    sscanf(b, "#%2x%2x%2x", &rb, &gb, &bb) != 3)
		return 0;
	return sqrt(pow((double)ra - rb, 2) + pow((double)ga - gb, 2) + pow((double)ba - bb, 2));
}

/* The palette entry farthest from every colour in use: a newcomer must
 * never have to tell two allocators apart by a shade. */
static void pick_colour(struct rundir_alloc *a, int n, int self)
{
	double best = -1;
	size_t pick = 0;
	for (size_t p = 0; p < NPALETTE; p++) {
		double nearest = 1e9;
		for (int i = 0; i < n; i++)
			if (i != self && a[i].colour[0])
				nearest = fmin(nearest, colour_distance(palette[p], a[i].colour));
		if (nearest > best + 1e-9) {
			best = nearest;
			pick = p;
		}
	}
	jsonr_copy(a[self].colour, sizeof(a[self].colour), palette[pick]);
}

/* A run whose files are gone (copied elsewhere, an older checkout), or a
 * history: the shipped allocator of the same name has the colour it most
 * likely had. */
static void colour_from_catalog(struct rundir_alloc *a, int n)
{
	struct allocator *all = NULL;
	int nall = 0, missing = 0;
	char err[256];
	for (int i = 0; i < n; i++)
		missing |= !a[i].colour[0];
	if (!missing || catalog_load_allocators(&all, &nall, err, sizeof(err)))
		return;
	for (int i = 0; i < n; i++)
		for (int k = 0; k < nall && !a[i].colour[0]; k++)
			if (!strcmp(all[k].name, a[i].name) && valid_colour(all[k].colour))
				jsonr_copy(a[i].colour, sizeof(a[i].colour), all[k].colour);
	free(all);
}

/* The k-th shade (from 1) of colour c: darker and lighter in turn, so a
 * variant sits apart from its allocator and from its siblings in grey
 * too (lightness), and in colour keeps the family's hue. */
static void shade(const char *c, int k, char *out, size_t len)
{
	/* Lighter stays below half-way to white: paler lines vanish. */
	static const double amount[] = {-0.45, 0.40, -0.70, 0.22, -0.22, 0.48};
	double f = amount[(k - 1) % 6];
	unsigned rgb[3];
	if (sscanf(c, "#%2x%2x%2x", &rgb[0], &rgb[1], &rgb[2]) != 3) {
		out[0] = '\0';
		return;
	}
	for (int i = 0; i < 3; i++)
		rgb[i] = (unsigned)lround(f < 0 ? rgb[i] * (1 + f) : rgb[i] + (255 - rgb[i]) * f);
	snprintf(out, len, "#%02x%02x%02x", rgb[0] & 0xff, rgb[1] & 0xff, rgb[2] & 0xff);
}

/* A variant without a colour of its own takes a shade of its allocator's
 * (the allocator in the run, else the shipped one of that name): the
 * family reads at a glance, its dash (by position) tells the members
 * apart. */
static void colour_variants(struct rundir_alloc *a, int n)
{
	struct allocator *all = NULL;
	int nall = 0, loaded = 0;
	char err[256], root[8];
	for (int i = 0; i < n; i++) {
		if (a[i].colour[0] || !a[i].variant_of[0])
			continue;
		root[0] = '\0';
		for (int j = 0; j < n && !root[0]; j++)
			if (!strcmp(a[j].name, a[i].variant_of) && valid_colour(a[j].colour))
				memcpy(root, a[j].colour, sizeof(root));
		if (!root[0] && !loaded++ && catalog_load_allocators(&all, &nall, err, sizeof(err)))
			nall = 0;
		for (int k = 0; k < nall && !root[0]; k++)
			if (!strcmp(all[k].name, a[i].variant_of) && valid_colour(all[k].colour))
				jsonr_copy(root, sizeof(root), all[k].colour);
		int nth = 1;
		for (int j = 0; j < i; j++)
			nth += !strcmp(a[j].variant_of, a[i].variant_of);
		if (root[0])
			shade(root, nth, a[i].colour, sizeof(a[i].colour));
	}
	free(all);
}

void plot_style(struct rundir_alloc *a, int n)
{
	colour_from_catalog(a, n);
	for (int i = 0; i < n; i++) {
		if (a[i].colour[0] && !valid_colour(a[i].colour))
			a[i].colour[0] = '\0';
		/* Two allocators given one colour (a copied YAML file): the
		 * later one gets another. */
		for (int j = 0; j < i && a[i].colour[0]; j++)
			if (!strcasecmp(a[i].colour, a[j].colour))
				a[i].colour[0] = '\0';
		a[i].style = i;
	}
	colour_variants(a, n);
	for (int i = 0; i < n; i++)
		if (!a[i].colour[0])
			pick_colour(a, n, i);
}
