/** What the `anycastd ipvs` commands share: opening the client and mapping its errors to exit codes. */
import type { IpvsClient } from '../../ipvs/client.js';
import { IpvsUnavailableError, IpvsValidationError } from '../../ipvs/errors.js';
import { CliError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import type { OptionSpecs } from '../command.js';

export const netnsOption = {
  netns: {
    type: 'string',
    valueName: 'NAME',
    description: 'work in this network namespace (a name under /run/netns, or a path)',
  },
} as const satisfies OptionSpecs;

/** Opens the client, runs `fn`, closes; IPVS-level failures become CLI errors with exit codes. */
export async function withIpvs<T>(
  netns: string | undefined,
  fn: (ipvs: IpvsClient) => Promise<T>,
): Promise<T> {
  let ipvs: IpvsClient;
  try {
    // Loaded on use, so `anycastd --help` and other commands start fast.
    const { IpvsClient } = await import('../../ipvs/client.js');
    ipvs = await IpvsClient.open({ netns });
  } catch (error) {
    throw mapError(error);
  }
  try {
    return await fn(ipvs);
  } catch (error) {
    throw mapError(error);
  } finally {
    ipvs.close();
  }
}

export function mapError(error: unknown): unknown {
  if (error instanceof IpvsUnavailableError)
    return new CliError(error.message, ExitCode.Environment);
  if (error instanceof IpvsValidationError)
    return new CliError(error.message, ExitCode.InvalidInput);
  return error;
}
