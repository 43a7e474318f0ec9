/* cmd_records.c - placeholder. */
extern int uccn_placeholder_cmd_records;
