# summary.gp - one run at a glance: for every workload and thread count, each
# allocator's figures (those wimm's metric table marks for this figure: peak
# RSS, peak RSS / peak heap, RSS after the idle phase, wall time, arena
# count, ...) in their own unit from zero, one panel per figure, allocators
# side by side; above each bar its ratio to the reference allocator (glibc),
# or the count itself for arena counts.
#
# usage, from a run's plots/ directory:  gnuplot -c summary.gp summary.vars
# wimm writes summary.vars and summary.tsv and runs this at the end of
# `wimm run`, `wimm exec` and `wimm plot`; it writes summary.png and .svg.
#
# summary.tsv holds one block per allocator (blocks separated by two blank
# lines, in the order of the vars file's name array), each opening with a
# line of column names, then one row per workload and thread count: x, then
# per figure its value in the panel's unit, <col>_lab (the bar's label) and,
# for a figure with a spread, the fastest and slowest repetitions (NaN =
# n/a). Columns are read by name. The vars file sets: out, fig_title, data,
# n, name (array), nc (clusters), bw (bar width), np (panels),
# rotate_labels and per panel p: col[p] (the column's name), ptitle[p],
# ylo[p] (0: a linear axis from zero, else a log axis from ylo), yhi[p],
# xtics_cmd[p] (cluster names), err[p] (names of the min and max
# columns of the error bars, "" = none), notes_cmd[p] (n/a marks).
# Allocator i is drawn with linetype 100+i, which the vars file defines.

if (ARGC < 1) {
	print "usage: gnuplot -c summary.gp summary.vars"
	exit status 2
}
load ARG1

set datafile separator "\t"
set datafile columnheaders
set termoption noenhanced

# A bar whose value is n/a must not be drawn: gnuplot would draw a box
# with an undefined end down to the axis. NaN is the only value unequal to itself.
ok(c) = column(c) == column(c)
x(c) = column("x")

W = 1500
title_h = 64
key_h = 44
panel_h = 320
H = title_h + key_h + np * panel_h

# Places the next plot's area in the band from pixel row by, bh rows high,
# leaving mt and mb pixels for its title and tic labels.
box = "set lmargin at screen 80.0 / W; set rmargin at screen 1 - 20.0 / W; " . \
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

	# ---- the key: one entry per allocator, colour and point type ----
	unset border
	unset tics
	unset grid
	unset title
	by = title_h; bh = key_h; mt = 2; mb = 2
	eval box
	set xrange [0:1]
	set yrange [0:1]
	set key center center horizontal maxrows 1 samplen 2 width 2 font ",12"
	plot for [i=1:n] NaN with boxes lt 100 + i dt solid lw 1 fs solid 0.85 title name[i]
	unset key

	# ---- one panel per figure ----
	set border 3 lc rgb "#444444"
	set tics nomirror out scale 0.6
	set xtics scale 0 font ",10"
	set grid ytics lc rgb "#e4e4e4" lw 1 dt solid
	set style fill solid 0.85 border lc rgb "#333333"
	set xrange [0.5:nc + 0.5]
	do for [p=1:np] {
		unset arrow
		unset label
		by = title_h + key_h + (p - 1) * panel_h; bh = panel_h; mt = 36; mb = 66
		eval box
		set title ptitle[p] font ",12" offset 0, -0.4
		eval xtics_cmd[p]
		# ylo 0: linear from zero; else a log axis from ylo, the bars
		# standing on its floor.
		if (ylo[p] > 0) { set logscale y } else { unset logscale y }
		set yrange [ylo[p]:yhi[p]]
		set ytics autofreq nomirror
		y0 = ylo[p]
		do for [c=1:nc - 1] {
			set arrow from c + 0.5, graph 0 to c + 0.5, graph 1 nohead back \
				lc rgb "#dddddd" lw 1
		}
		eval notes_cmd[p]
		ec = err[p]
		lo_col = strlen(ec) ? word(ec, 1) : col[p]
		hi_col = strlen(ec) ? word(ec, 2) : col[p]
		plot for [i=1:n] data index (i - 1) \
				using (ok(col[p]) ? x(0) : NaN):(y0):(x(0) - bw / 2):(x(0) + bw / 2):(y0): \
				(column(col[p])) \
				with boxxyerror lt 100 + i dt solid lw 1 notitle, \
			for [i=1:n] data index (i - 1) \
				using (x(0)):(column(col[p])):(ok(col[p]) ? stringcolumn(col[p] . "_lab") : "") \
				with labels offset 0, (rotate_labels ? 1.6 : 0.7) \
				rotate by (rotate_labels ? 90 : 0) font ",9" tc rgb "#222222" notitle, \
			for [i=1:n] data index (i - 1) using (x(0)):(column(col[p])) \
				with points lc rgb "#222222" pt ptype[i] ps 0.9 notitle, \
			for [i=1:(strlen(ec) ? n : 0)] data index (i - 1) \
				using (x(0)):(column(col[p])):(column(lo_col)):(column(hi_col)) \
				with yerrorbars lc rgb "#222222" pt 0 lw 1.2 notitle
	}
	unset multiplot
	set output
}
