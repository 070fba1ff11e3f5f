/** `anycastd ipvs save`: the IPVS table as rules, exactly as `ipvsadm -S` prints them. */
import { ExitCode } from '../../exit-codes.js';
import { defineCommand } from '../command.js';
import { netnsOption } from './common.js';

export const saveCommand = defineCommand({
  name: 'save',
  summary: 'print the IPVS table as rules, as `ipvsadm -S` does',
  description: `
The output reads back with \`anycastd ipvs restore\` or \`ipvsadm -R\`. Use -n:
names make the rules depend on name resolution when they are read back.`,
  options: {
    numeric: { type: 'boolean', short: 'n', description: 'numeric addresses and ports' },
    ...netnsOption,
  },
  examples: ['anycastd ipvs save -n > /etc/ipvs.rules'],
  async run({ options: o }, ctx) {
    const [{ addressesOf, formatSave }, { numericNames, resolveNames }, { withIpvs }] =
      await Promise.all([
        import('../../ipvs/ipvsadm/format.js'),
        import('../../ipvs/ipvsadm/names.js'),
        import('./common.js'),
      ]);
    const text = await withIpvs(o.netns, async (ipvs) => {
      const table = await ipvs.dump({ stats: false });
      const names = o.numeric ? numericNames : await resolveNames(addressesOf(table));
      return formatSave(table, { numeric: o.numeric, nosort: false }, names);
    });
    ctx.stdout.write(text);
    return ExitCode.Ok;
  },
});
