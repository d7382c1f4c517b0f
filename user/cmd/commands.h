/* SPDX-License-Identifier: GPL-2.0 */
/* Subcommands: each takes argv with argv[0] the subcommand name, returns the exit code. */
#ifndef KMSCOPE_COMMANDS_H
#define KMSCOPE_COMMANDS_H

int cmd_trace(int argc, char **argv);
int cmd_waste(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_inject(int argc, char **argv);
int cmd_completion(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_exporter(int argc, char **argv);

struct km_command_spec;
extern const struct km_command_spec doctor_spec, completion_spec;
/* Every subcommand's option table, for completion and the tests that check them. */
extern const struct km_command_spec *const km_command_specs[];
extern const int km_nr_command_specs;

#endif
