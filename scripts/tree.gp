# tree.gp - memory over time of one process tree (`wimm exec` of a program
# that starts others): the RSS of its largest processes stacked, one band
# each (the rest as "others"), so the top of the stack is the tree's sum of
# RSS; over it, the tree's RSS minus shared (statm) and its PSS (read at a
# lower rate: a point per reading), the measures that count a shared
# page fewer times (README, "Process trees").
#
# usage, from a run's plots/ directory:  gnuplot -c tree.gp FIGURE.vars
# The vars file sets: out (output name without extension), data (the
# cell's procs/<cell>/stack.tsv), fig_title, n (bands: the processes named
# and "others") and label[n]. In data, column 1 is t_s, columns 2..n+1 the
# running sums of the bands' RSS in bytes, then unshared_sum_bytes and
# pss_sum_bytes (empty where PSS was not read).

if (ARGC < 1) {
	print "usage: gnuplot -c tree.gp FIGURE.vars"
	exit status 2
}
load ARG1

MiB = 1048576.0
set datafile separator "\t"
set datafile columnheaders
set termoption noenhanced
array colour[8] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", \
	"#e377c2", "#7f7f7f"]

do for [fmt in "png svg"] {
	if (fmt eq "png") {
		set terminal pngcairo size 1200, 620 font "Sans,11" noenhanced background rgb "white"
	} else {
		set terminal svg size 1200, 620 font "Sans,11" noenhanced background rgb "white"
	}
	set output out . "." . fmt
	set title fig_title font ",14"
	set grid xtics ytics lc rgb "#e4e4e4" lw 1 dt solid
	set border 3 lc rgb "#444444"
	set tics nomirror out scale 0.6
	set xlabel "time (s)"
	set ylabel "MiB"
	set yrange [0:*]
	set rmargin 44
	set key at screen 0.64, 0.9 left top Left reverse samplen 2 spacing 1.2 font ",10"
	# Bands from the top down, each drawn from the axis: the next one
	# covers the part below it.
	plot for [i=n:1:-1] data using 1:(column(i + 1) / MiB) with filledcurves y=0 \
			fc rgb (i == n && label[n] eq "others" ? "#c8c8c8" : colour[(i - 1) % 8 + 1]) \
			fs solid 0.55 noborder title label[i], \
		data using 1:(column(n + 1) / MiB) with lines lc rgb "#222222" lw 1.6 \
			title "sum of RSS", \
		data using 1:(column(n + 2) / MiB) with lines lc rgb "#222222" dt (6, 3) lw 1.6 \
			title "RSS minus shared", \
		data using 1:(column(n + 3) / MiB) with points lc rgb "#b00000" pt 7 ps 0.8 \
			title "PSS (its readings)"
}
