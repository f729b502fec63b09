// owner_target.cc - the owner test's C++ program: operator new reaches
// malloc through libstdc++, which must bind to the same object as the
// program's own calls. Prints the owner like owner_target.c.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" {
#include "common/identify.h"
}

int main(int argc, char **argv)
{
	std::vector<std::unique_ptr<std::string>> v;
	for (int i = 0; i < 2048; i++)
		v.emplace_back(new std::string(4096, static_cast<char>('a' + i % 26)));
	if (argc > 2 && !std::strcmp(argv[1], "hold"))
		usleep(static_cast<useconds_t>(std::atoi(argv[2])) * 1000);
	v.clear();
	alloc_identity id;
	if (identify_allocator(&id))
		return 2;
	std::printf("%s\t%s\n", id.owner, id.family);
	return 0;
}
