// gantry's entry point: everything else lives in libraries that tests link.
#include "cli/cli.h"

int main(int argc, char** argv) { return gantry::cli::run(argc, argv); }
