/* cmd_files.c - placeholder. */
extern int uccn_placeholder_cmd_files;
