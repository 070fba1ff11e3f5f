/**
 * The installed tier: the kernel lab's checks (IPVS, root), then the package
 * installed once before any file runs, since some (the built program's
 * command-by-command test, run against /usr/bin/anycastd) do not install it.
 */
import kernelSetup from '../kernel/global-setup.js';
import { ensureInstalled } from '../lab/deb.js';

export default async function setup(): Promise<void> {
  kernelSetup();
  await ensureInstalled();
}
