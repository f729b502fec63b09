#!/bin/sh
# exe_wrapper of `meson test --setup valgrind` (root meson.build): runs a
# test executable under memcheck, failing it on any memory error or definite
# leak. A Python test runs as it is (valgrind on the interpreter would test
# Python), with WIMM_VALGRIND holding the command it puts before the driver.
# Children are not traced: the workers and programs the driver measures run
# natively, as they must for their figures to mean anything.
here=$(cd "$(dirname "$0")" && pwd)
vg="valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite"
vg="$vg --errors-for-leak-kinds=definite --suppressions=$here/valgrind.supp"
case "$(basename "$1")" in
python*)
	WIMM_VALGRIND=$vg
	export WIMM_VALGRIND
	exec "$@"
	;;
esac
if ! command -v valgrind >/dev/null; then
	echo "valgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2
	exit 1
fi
exec $vg "$@"
