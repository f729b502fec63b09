# history.gp - one metric over the runs of one testbed: a panel per workload
# and thread count, a line per allocator, the runs in the order they ran.
#
# usage, from RESULTS/history/plots/:  gnuplot -c history.gp FIGURE.vars
# `wimm plot --history` writes FIGURE.vars and TESTBED.tsv from
# RESULTS/history/TESTBED.csv and runs this; it writes FIGURE.png and .svg.
#
# TESTBED.tsv holds one block per (workload and thread count, allocator),
# blocks separated by two blank lines, block (g-1)*n + (i-1) for panel g and
# allocator i, each opening with a line of column names: run (its number),
# then one column per figure of the history (sizes in MiB; NaN = n/a),
# read by name.
# The vars file sets: out, fig_title, data, col (the figure's column name), ylabel,
# n, name (array), ng (panels), ptitle, ylo, yhi (arrays of ng), nruns,
# xtics_cmd. Allocator i is drawn with linetype 100+i, which it defines.

if (ARGC < 1) {
	print "usage: gnuplot -c history.gp FIGURE.vars"
	exit status 2
}
load ARG1

set datafile separator "\t"
set datafile columnheaders
set termoption noenhanced

W = 1500
cols = (ng < 3) ? ng : 3
rows = int(ceil(ng / (1.0 * cols)))
title_h = 60
key_h = 40
panel_h = 300
H = title_h + key_h + rows * panel_h

box = "set lmargin at screen (bx + 80.0) / W; set rmargin at screen (bx + bw - 20.0) / W; " . \
      "set tmargin at screen 1 - (by + mt) / (1.0 * H); " . \
      "set bmargin at screen 1 - (by + bh - mb) / (1.0 * H)"

do for [fmt in "png svg"] {
	if (fmt eq "png") {
		set terminal pngcairo size W, H font "Sans,11" noenhanced background rgb "white"
	} else {
		set terminal svg size W, H font "Sans,11" noenhanced background rgb "white"
	}
	set output out . "." . fmt
	set multiplot title fig_title font ",16"

	unset border
	unset tics
	unset grid
	bx = 0; bw = W; by = title_h; bh = key_h; mt = 2; mb = 2
	eval box
	set xrange [0:1]
	set yrange [0:1]
	set key center center horizontal maxrows 1 samplen 3 width 2 font ",12"
	plot for [i=1:n] NaN with linespoints lt 100 + i title name[i]
	unset key

	set border 3 lc rgb "#444444"
	set tics nomirror out scale 0.6
	set grid xtics ytics lc rgb "#e4e4e4" lw 1 dt solid
	set xrange [0.5:nruns + 0.5]
	eval xtics_cmd
	set xlabel "run (oldest first)"
	set ylabel ylabel
	bw = W / cols; bh = panel_h; mt = 30; mb = 58
	do for [g=1:ng] {
		bx = ((g - 1) % cols) * bw
		by = title_h + key_h + ((g - 1) / cols) * panel_h
		eval box
		set title ptitle[g] font ",12" offset 0, -0.4
		set yrange [ylo[g]:yhi[g]]
		plot for [i=1:n] data index ((g - 1) * n + i - 1) using (column("run")):(column(col)) \
			with linespoints lt 100 + i lw 2 notitle
	}
	unset multiplot
	set output
}
