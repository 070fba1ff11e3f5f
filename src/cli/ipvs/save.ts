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
    const [format, { numericNames, resolveNames }, { withIpvs }] = await Promise.all([
      import('../../ipvs/ipvsadm/format.js'),
      import('../../ipvs/ipvsadm/names.js'),
      import('./common.js'),
    ]);
    const text = await withIpvs(o.netns, async (ipvs) => {
      if (o.numeric) {
        // Each service is formatted as its destinations arrive and then
        // dropped: the whole table is never held in memory.
        const options = { ...format.defaultListOptions, numeric: true };
        const out: string[] = [];
        const services = format.orderServices(await ipvs.services({ stats: false }), options);
        await ipvs.eachWithDestinations(
          services,
          (svc) => out.push(format.serviceBlock(svc, options, numericNames, true)),
          { stats: false },
        );
        return out.join('');
      }
      // Names are looked up together, so every address must be known first.
      const table = await ipvs.dump({ stats: false });
      const names = await resolveNames(format.addressesOf(table));
      return format.formatSave(table, { numeric: false, nosort: false }, names);
    });
    ctx.stdout.write(text);
    return ExitCode.Ok;
  },
});
