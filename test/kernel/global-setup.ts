/**
 * Kernel and e2e tiers need a kernel with IPVS. Inside the kernel lab
 * (ANYCASTD_LAB=uml) it is there; on a host whose kernel has IPVS the tiers
 * may run directly. Anywhere else they fail here, before any test, saying how
 * to get one: they never skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const FIX =
  'run this tier through the kernel lab: `npm run test:kernel` (or `./scripts/test`), ' +
  'which boots user-mode Linux; it needs `apt-get install -y user-mode-linux ipvsadm busybox-static kmod iproute2`';

export default function setup(): void {
  if (!existsSync('/proc/net/ip_vs')) {
    try {
      execFileSync('modprobe', ['ip_vs'], { stdio: 'ignore' });
    } catch {
      // Reported below with the way out.
    }
  }
  if (!existsSync('/proc/net/ip_vs')) {
    throw new Error(`this kernel has no IPVS (no /proc/net/ip_vs after modprobe ip_vs): ${FIX}`);
  }
  try {
    execFileSync('ipvsadm', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('ipvsadm is missing: apt-get install -y ipvsadm');
  }
  if (process.getuid?.() !== 0) {
    throw new Error('kernel tests create network namespaces and need root');
  }
}
