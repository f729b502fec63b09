# where.gp - where is my memory: one workload at one thread count (or one
# `wimm exec` program) under every allocator of a run, one panel per
# allocator on the same axes, RSS split over time into parts that add up to
# it (bench/run/split.h): from the bottom, the live heap, what the allocator
# holds without using it, what the figures cannot separate, anonymous memory
# that never came from malloc, and file-backed and shared pages; RSS itself
# is the top line, in the allocator's colour and dash as in memory.gp. Heap
# allocated but never touched is hatched above RSS: it is not resident.
#
# usage, from a run's plots/ directory:  gnuplot -c where.gp FIGURE.vars
# FIGURE.vars (written by wimm) loads the block's memory vars file (files,
# phases, colours; see memory.gp) and sets out, fig_title, ymax_where (MiB)
# and the array wtitle (panel titles). Writes FIGURE.png and FIGURE.svg.

if (ARGC < 1) {
	print "usage: gnuplot -c where.gp FIGURE.vars"
	exit status 2
}
load ARG1

MiB = 1048576.0
set datafile separator "\t"
set datafile columnheaders
set termoption noenhanced
# The x axis of the memory figure the vars file loads: time, or the work
# done (`wimm plot --against work`), each panel over its own range.
xc = exists("xcol") ? xcol : "t_s"
xtext = exists("xlabel_text") ? xlabel_text : "time (s)"
t(c) = column(xc)
# A part that is n/a (an empty field) counts 0, as in the sum.
v(name) = (x_ = column(name), x_ == x_ ? x_ / MiB : 0)
c1(d) = v("part_heap_bytes")
c2(d) = c1(0) + v("part_unused_bytes")
c3(d) = c2(0) + v("part_unsplit_bytes")
c4(d) = c3(0) + v("part_foreign_bytes")
c5(d) = c4(0) + v("rss_file_bytes")

# The parts' colours; the heap is memory.gp's heap grey.
col_heap = "#d4d4d4"
col_unused = "#f6b26b"
col_unsplit = "#b7b7b7"
col_foreign = "#b4a7d6"
col_file = "#f4cccc"

W = 1500
cols = (n <= 3) ? n : ((n == 4) ? 2 : 3)
rows = int(ceil(n / (1.0 * cols)))
title_h = 56
panel_h = 350
key_h = 96
H = title_h + rows * panel_h + key_h

box_l = "set lmargin at screen (bx + ml) / (1.0 * W); set rmargin at screen (bx + bw - mr) / (1.0 * W)"
box_v = "set tmargin at screen 1 - (by + mt) / (1.0 * H); set bmargin at screen 1 - (by + bh - mb) / (1.0 * H)"

do for [fmt in "png svg"] {
	if (fmt eq "png") {
		set terminal pngcairo size W, H font "Sans,11" noenhanced background rgb "white"
	} else {
		set terminal svg size W, H font "Sans,11" noenhanced background rgb "white"
	}
	set output out . "." . fmt
	set multiplot title fig_title font ",16"

	set yrange [0:ymax_where]
	set grid xtics ytics lc rgb "#e4e4e4" lw 1 dt solid front
	set border 3 lc rgb "#444444"
	set tics nomirror out scale 0.6
	unset key
	set title font (cols > 2 ? ",9" : ",11") offset 0, -0.4
	ml = 80; mr = 24; mt = 48; mb = 46
	bw = W / cols; bh = panel_h
	do for [i=1:n] {
		unset arrow
		unset label
		r = (i - 1) / cols
		c = (i - 1) % cols
		bx = c * bw; by = title_h + r * panel_h
		eval box_l; eval box_v
		set xrange [0:(exists("pxmax") ? pxmax[i] : xmax)]
		set title wtitle[i]
		if (c == 0) { set ylabel "MiB" offset 1.5, 0 } else { unset ylabel }
		if (r == rows - 1 || i + cols > n) { set xlabel xtext offset 0, 0.4 } else { unset xlabel }
		do for [k=1:words(phase_t[i])] {
			x = word(phase_t[i], k) + 0
			if (k > 1) {
				set arrow from x, graph 0 to x, graph 1 nohead front \
					lc rgb "#6e6e6e" dt (3, 3) lw 1.2
			}
			if (word(phase_l[i], k) eq "1") {
				set label word(phase_n[i], k) at x, graph 0.96 left \
					offset character 0.4, 0 font ",9" tc rgb "#555555" front
			}
		}
		plot file[i] using (t(0)):(0):(c1(0)) with filledcurves \
				fc rgb col_heap fs solid 1.0 noborder, \
			file[i] using (t(0)):(c1(0)):(c2(0)) with filledcurves \
				fc rgb col_unused fs solid 1.0 noborder, \
			file[i] using (t(0)):(c2(0)):(c3(0)) with filledcurves \
				fc rgb col_unsplit fs pattern 4 noborder, \
			file[i] using (t(0)):(c3(0)):(c4(0)) with filledcurves \
				fc rgb col_foreign fs solid 1.0 noborder, \
			file[i] using (t(0)):(c4(0)):(c5(0)) with filledcurves \
				fc rgb col_file fs solid 1.0 noborder, \
			file[i] using (t(0)):(c5(0)):(c5(0) + v("untouched_bytes")) with filledcurves \
				fc rgb "#555555" fs pattern 5 noborder, \
			file[i] using (t(0)):(c5(0)) with lines lt 100 + i
	}

	# ---- the key, once for every panel ----
	unset arrow
	unset label
	unset title
	unset border
	unset tics
	unset grid
	unset xlabel
	unset ylabel
	bx = 0; by = H - key_h; bw = W; bh = key_h
	ml = 10; mr = 10; mt = 6; mb = 6
	eval box_l; eval box_v
	set xrange [0:1]
	set yrange [0:1]
	set key default
	set key inside center center horizontal maxrows 3 samplen 2.5 width 2 Left reverse font ",11"
	plot NaN with filledcurves y=0 fc rgb col_heap fs solid 1.0 noborder \
			title "live heap", \
		NaN with filledcurves y=0 fc rgb col_unused fs solid 1.0 noborder \
			title "held by the allocator, not in use", \
		NaN with filledcurves y=0 fc rgb col_unsplit fs pattern 4 noborder \
			title "not separable (the allocator's figures do not split it)", \
		NaN with filledcurves y=0 fc rgb col_foreign fs solid 1.0 noborder \
			title "not from malloc (stacks, mmap, pymalloc...)", \
		NaN with filledcurves y=0 fc rgb col_file fs solid 1.0 noborder \
			title "file-backed and shared", \
		NaN with filledcurves y=0 fc rgb "#555555" fs pattern 5 noborder \
			title "heap never touched (not in RSS)", \
		NaN with lines lc rgb "#555555" lw 2.5 title "RSS (in the allocator's colour)", \
		NaN with lines lc rgb "#6e6e6e" dt (3, 3) lw 1.2 title phase_note
	unset multiplot
	set output
	set border
	set tics
}
