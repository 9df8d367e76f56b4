// forkv: command-line client of the forkv service. See client_cli/commands.h
// for the commands and client_cli/format.h for output and exit codes.
#include "client_cli/commands.h"

int main(int argc, char** argv) { return forkv::cli::Run(argc, argv); }
