/**
 * Reading and changing a real server's network setup: iproute2 for
 * interfaces and addresses, /proc/sys for the sysctls (both see the network
 * namespace this process runs in).
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { type Action, type RealServerSpec, type RealServerState, sysctlKeys } from './plan.js';

const run = promisify(execFile);

interface IpLinkJson {
  flags?: string[];
  addr_info?: { local?: string; prefixlen?: number }[];
}

const sysctlPath = (key: string) => `/proc/sys/net/ipv4/conf/${key.replace('.', '/')}`;

async function readSysctl(key: string): Promise<number | undefined> {
  try {
    return Number((await readFile(sysctlPath(key), 'utf8')).trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function readState(spec: RealServerSpec): Promise<RealServerState> {
  let links: IpLinkJson[] = [];
  try {
    links = JSON.parse(
      (await run('ip', ['-j', 'addr', 'show', 'dev', spec.ifname])).stdout || '[]',
    ) as IpLinkJson[];
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? error);
    if (!/does not exist/.test(stderr))
      throw new Error(`ip addr show dev ${spec.ifname}: ${stderr.trim()}`);
  }
  const link = links[0];
  const sysctls: Record<string, number | undefined> = {};
  for (const key of sysctlKeys(spec)) sysctls[key] = await readSysctl(key);
  return {
    interface: { exists: link !== undefined, up: (link?.flags ?? []).includes('UP') },
    addresses: (link?.addr_info ?? []).map((a) => `${a.local ?? ''}/${a.prefixlen ?? 0}`),
    sysctls,
  };
}

async function ip(...args: string[]): Promise<void> {
  try {
    await run('ip', args);
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? error).trim();
    throw new Error(`ip ${args.join(' ')}: ${stderr}`);
  }
}

export async function apply(a: Action): Promise<void> {
  switch (a.kind) {
    case 'create-interface':
      if (a.type === 'ipip') {
        // tunl0 is the ipip module's catch-all device: loading the module creates it.
        await run('modprobe', ['ipip']).catch((error: unknown) => {
          throw new Error(`modprobe ipip (for ${a.ifname}): ${String(error)}`);
        });
        return;
      }
      return ip('link', 'add', a.ifname, 'type', 'dummy');
    case 'link-up':
      return ip('link', 'set', a.ifname, 'up');
    case 'sysctl':
      await writeFile(sysctlPath(a.key), `${a.to}\n`);
      return;
    case 'add-address':
      return ip('addr', 'add', a.cidr, 'dev', a.ifname, ...(a.cidr.includes(':') ? ['nodad'] : []));
    case 'remove-address':
      return ip('addr', 'del', a.cidr, 'dev', a.ifname);
  }
}
