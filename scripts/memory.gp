# memory.gp - memory over time of one workload at one thread count under
# every allocator of a run: on top, the RSS of every allocator together; below,
# one panel per allocator (same MiB axis, each its own time range, so a slow
# allocator squeezes no other) with its RSS, the heap the program held,
# the allocator's own in-use and system bytes where it reports them, the phases
# and the workload's budget.
#
# usage, from a run's plots/ directory:  gnuplot -c memory.gp FIGURE.vars
# wimm writes FIGURE.vars (the data's file names, colours, ranges and titles)
# and runs this at the end of `wimm run`, `wimm exec` and `wimm plot`; it
# writes FIGURE.png and FIGURE.svg. Series files are tab-separated, their
# first line names the columns (t_s, rss_bytes, heap_bytes,
# alloc_in_use_bytes, alloc_system_bytes, ...), which are read by name; an
# empty field is n/a.
#
# The vars file sets: out (output name without extension), fig_title,
# overlay_title, n (allocators), xmax (s), ymax (MiB, the panels'),
# ymax_overlay (MiB, the overlay's: RSS and heap only), budget (MiB, 0 = none),
# budget_label, key_w (the overlay key's width, pixels), xcol (the x column: t_s, or progress to draw against work
# done), xlabel_text, reps_note and phase_note (key entries, "" = none), and arrays
# of n entries: kname (key entry), file, pxmax (the panel's time range, s),
# ptitle (panel title), has_heap, has_in_use, has_system, reps (other
# repetitions' files, space-separated), phase_t, phase_n, phase_l (phase
# starts, names, 1 = label shown). Allocator i is drawn with linetype 100+i
# (its other repetitions with 200+i), which the vars file defines.

if (ARGC < 1) {
	print "usage: gnuplot -c memory.gp FIGURE.vars"
	exit status 2
}
load ARG1

MiB = 1048576.0
set datafile separator "\t"
set datafile columnheaders
t(c) = column(xcol)
mib(name) = column(name) / MiB
set termoption noenhanced

# Layout in pixels: the title, the overlay, a grid of small multiples, and a
# strip with the key of the line styles.
W = 1500
cols = (n <= 3) ? n : ((n == 4) ? 2 : 3)
rows = int(ceil(n / (1.0 * cols)))
title_h = 56
overlay_h = (n > 1) ? 420 : 0
panel_h = 290
key_h = 52
H = title_h + overlay_h + rows * panel_h + key_h

# Places the next plot's area inside the box whose top-left pixel is
# (bx, by), bw x bh pixels, leaving room for tics, labels and a title.
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

	# ---- settings every memory panel shares ----
	set xrange [0:xmax]
	set grid xtics ytics lc rgb "#e4e4e4" lw 1 dt solid
	set border 3 lc rgb "#444444"
	set tics nomirror out scale 0.6
	set xlabel xlabel_text offset 0, 0.4
	set ylabel "MiB" offset 1.5, 0

	# ---- the overlay: every allocator's RSS (with one, its panel says it all) ----
	if (n > 1) {
		set yrange [0:ymax_overlay]
		unset arrow
		unset label
		bx = 0; by = title_h; bw = W; bh = overlay_h
		ml = 80; mr = key_w; mt = 34; mb = 52
		eval box_l; eval box_v
		set title overlay_title font ",13" offset 0, -0.3
		# Placed by hand in the right margin: "outside" lays the key out
		# differently in the svg and pngcairo terminals.
		set key at screen (W - mr + 24.0) / W, 1 - (by + mt) / (1.0 * H) left top vertical \
			maxcols 1 maxrows 40 Left reverse samplen 3 spacing 1.3 font ",11"
		if (budget > 0) {
			set arrow from graph 0, first budget to graph 1, first budget nohead front \
				lc rgb "#222222" dt (10, 5) lw 1.6
			set label budget_label at graph 0.995, first budget right offset 0, 0.7 \
				font ",10" tc rgb "#222222" front
		}
		plot for [i=1:n] file[i] using (t(0)):(mib("rss_bytes")) with lines lt 100 + i \
				title kname[i]
	}

	# ---- one panel per allocator: the same MiB, each its own time ----
	unset key
	set title font (cols > 2 ? ",10" : ",11") offset 0, -0.4
	ml = 80; mr = 24; mt = 40; mb = 46
	bw = W / cols; bh = panel_h
	set yrange [0:ymax]
	do for [i=1:n] {
		unset arrow
		unset label
		r = (i - 1) / cols
		c = (i - 1) % cols
		bx = c * bw; by = title_h + overlay_h + r * panel_h
		eval box_l; eval box_v
		set title ptitle[i]
		set xrange [0:pxmax[i]]
		if (c == 0) { set ylabel "MiB" } else { unset ylabel }
		if (r == rows - 1 || i + cols > n) { set xlabel xlabel_text } else { unset xlabel }
		do for [k=1:words(phase_t[i])] {
			x = word(phase_t[i], k) + 0
			if (k > 1) {
				set arrow from x, graph 0 to x, graph 1 nohead back \
					lc rgb "#6e6e6e" dt (3, 3) lw 1.2
			}
			if (word(phase_l[i], k) eq "1") {
				set label word(phase_n[i], k) at x, graph 0.96 left \
					offset character 0.4, 0 font ",9" tc rgb "#555555" front
			}
		}
		if (budget > 0) {
			set arrow from graph 0, first budget to graph 1, first budget nohead front \
				lc rgb "#222222" dt (10, 5) lw 1.3
		}
		plot file[i] using (t(0)):(has_heap[i] ? mib("heap_bytes") : NaN) \
				with filledcurves y=0 fc rgb "#d4d4d4" fs solid 1.0 noborder notitle, \
			file[i] using (t(0)):(has_system[i] ? mib("alloc_system_bytes") : NaN) \
				with lines lc rgb "#555555" dt (6, 3) lw 1.3 notitle, \
			file[i] using (t(0)):(has_in_use[i] ? mib("alloc_in_use_bytes") : NaN) \
				with lines lc rgb "#111111" lw 1 notitle, \
			for [k=1:words(reps[i])] word(reps[i] . " " . file[i], k) \
				using (t(0)):(mib("rss_bytes")) with lines lt 200 + i notitle, \
			file[i] using (t(0)):(mib("rss_bytes")) with lines lt 100 + i notitle
	}

	# ---- the key of the line styles, once for every panel ----
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
	set key inside center center horizontal maxrows 2 samplen 3 width 1 Left reverse font ",11"
	plot NaN with lines lc rgb "#555555" lw 2.5 title "RSS (in the allocator's colour and dash)", \
		NaN with filledcurves y=0 fc rgb "#d4d4d4" fs solid 1.0 noborder \
			title "heap the program held", \
		NaN with lines lc rgb "#111111" lw 1 title "allocator: in use", \
		NaN with lines lc rgb "#555555" dt (6, 3) lw 1.3 title "allocator: held from the OS", \
		NaN with lines lc rgb "#222222" dt (10, 5) lw 1.6 \
			title (budget > 0 ? "budget" : ""), \
		NaN with lines lc rgb "#6e6e6e" dt (3, 3) lw 1.2 title phase_note, \
		NaN with lines lc rgb "#9ecae1" lw 1 title reps_note
	unset multiplot
	set output
	set border
	set tics
}
