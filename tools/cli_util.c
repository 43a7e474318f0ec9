/* cli_util.c - placeholder. */
extern int uccn_placeholder_cli_util;
