/** The options of every command that talks to the running daemon, and its bearer token. */
import { readFile } from 'node:fs/promises';
import { CliError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';

export const API_DEFAULT = 'unix:///run/anycastd/api.sock';

export const apiOptions = {
  api: {
    type: 'string',
    valueName: 'ADDRESS',
    default: API_DEFAULT,
    description: "the daemon's API (its api.listen)",
  },
  'token-file': {
    type: 'string',
    valueName: 'FILE',
    description: 'file with the token the daemon requires for changes (api.token_file)',
  },
} as const;

/** The token in `--token-file`, trimmed; none without the option. */
export async function readTokenFile(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(
      `--token-file ${file}: cannot read it: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      ExitCode.Failure,
    );
  }
  const token = text.trim();
  if (token === '')
    throw new CliError(`--token-file ${file}: the file is empty`, ExitCode.InvalidInput);
  return token;
}
