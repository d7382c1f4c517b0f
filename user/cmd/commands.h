/* SPDX-License-Identifier: GPL-2.0 */
/* Subcommands: each takes argv with argv[0] the subcommand name, returns the exit code. */
#ifndef KMSCOPE_COMMANDS_H
#define KMSCOPE_COMMANDS_H

int cmd_trace(int argc, char **argv);
int cmd_waste(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_inject(int argc, char **argv);

#endif
