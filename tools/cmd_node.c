/* cmd_node.c - placeholder. */
extern int uccn_placeholder_cmd_node;
