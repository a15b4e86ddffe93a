// The `wisp` subcommands. Each takes the whole argv (argv[1] is its name) and
// returns the process exit status.
#ifndef WISP_CLI_COMMANDS_H_
#define WISP_CLI_COMMANDS_H_

namespace wisp::cli {

int RunConvert(int argc, char** argv);
int RunExport(int argc, char** argv);
int RunGenerate(int argc, char** argv);
int RunLogits(int argc, char** argv);
int RunTokenize(int argc, char** argv);
int RunInspect(int argc, char** argv);
int RunFinetune(int argc, char** argv);
int RunEval(int argc, char** argv);
int RunBench(int argc, char** argv);

}  // namespace wisp::cli

#endif  // WISP_CLI_COMMANDS_H_
