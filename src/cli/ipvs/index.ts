/** `anycastd ipvs`: the kernel's IPVS table, ipvsadm-compatible. */
import type { Command } from '../command.js';
import { listCommand } from './list.js';
import { restoreCommand } from './restore.js';
import { saveCommand } from './save.js';

export const ipvsCommand: Command = {
  name: 'ipvs',
  summary: "read and change the kernel's IPVS table (ipvsadm-compatible)",
  description: `
Talks to the kernel over generic netlink. list and save print exactly what
ipvsadm -L and -S print; restore applies ipvsadm rules in batches.`,
  subcommands: [listCommand, saveCommand, restoreCommand],
};
