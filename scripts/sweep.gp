# sweep.gp - one block of a run against a swept setting: each figure (peak
# RSS, RSS / heap, RSS after idle, wall and CPU time, arenas, ...) in its own
# unit, against the setting's values in the order given, one line per
# allocator the sweep started from; a dashed line in the same colour is that
# allocator without the setting.
#
# usage, from a run's plots/ directory:  gnuplot -c sweep.gp NAME.vars
# wimm writes NAME.vars and NAME.tsv for every block and sweep of a run made
# with --sweep and runs this; it writes NAME.png and NAME.svg.
#
# NAME.tsv holds two blocks per line (blocks separated by two blank lines):
# its points (x = the value's position, then one column per figure), then
# the reference (x at both edges, the allocator's own value). The vars file
# sets: out, data, fig_title, nv, value (array), nl, line (array),
# lt_of (each line's linetype), np, ptitle, pcol (each panel's column).

if (ARGC < 1) {
	print "usage: gnuplot -c sweep.gp NAME.vars"
	exit status 2
}
load ARG1

set datafile separator "\t"
set datafile commentschars "#"
set termoption noenhanced

cols = (np > 1) ? 2 : 1
rows = (np + cols - 1) / cols
W = 1300
title_h = 56
key_h = (nl + 2) / 3 * 22 + 20
panel_h = 300
H = title_h + key_h + rows * panel_h
panel_w = (W - 20.0) / cols

xt = "set xtics ("
do for [v=1:nv] {
	xt = xt . (v > 1 ? ", " : "") . sprintf('"%s" %d', value[v], v)
}
xt = xt . ")"

do for [fmt in "png svg"] {
	if (fmt eq "png") {
		set terminal pngcairo size W, H font "Sans,11" noenhanced background rgb "white"
	} else {
		set terminal svg size W, H font "Sans,11" noenhanced background rgb "white"
	}
	set output out . "." . fmt
	set multiplot title fig_title font ",15"

	# ---- the key: one entry per line ----
	unset border
	unset tics
	unset grid
	unset title
	set lmargin at screen 0.02
	set rmargin at screen 0.98
	set tmargin at screen 1 - title_h / (1.0 * H)
	set bmargin at screen 1 - (title_h + key_h) / (1.0 * H)
	set xrange [0:1]
	set yrange [0:1]
	set key center center horizontal maxcols 3 samplen 3 width 2 font ",11"
	plot for [l=1:nl] NaN with linespoints lt lt_of[l] title line[l], \
		NaN with lines lc rgb "#555555" dt 2 lw 1.5 title "without the setting"
	unset key

	# ---- one panel per figure ----
	set border 3 lc rgb "#444444"
	set tics nomirror out scale 0.6
	set grid ytics lc rgb "#e4e4e4" lw 1 dt solid
	set xrange [0.5:nv + 0.5]
	set yrange [0:*]
	eval xt
	set xtics nomirror
	set ytics nomirror
	do for [p=1:np] {
		r = (p - 1) / cols
		c = (p - 1) % cols
		top = title_h + key_h + r * panel_h
		set lmargin at screen (10 + c * panel_w + 70) / W
		set rmargin at screen (10 + (c + 1) * panel_w - 20) / W
		set tmargin at screen 1 - (top + 34.0) / H
		set bmargin at screen 1 - (top + panel_h - 52.0) / H
		set title ptitle[p] font ",12"
		plot for [l=1:nl] data index (2 * l - 2) using 1:(column(pcol[p])) \
				with linespoints lt lt_of[l] notitle, \
			for [l=1:nl] data index (2 * l - 1) using 1:(column(pcol[p])) \
				with lines lt lt_of[l] dt 2 lw 1.5 notitle
	}
	unset multiplot
	set output
}
