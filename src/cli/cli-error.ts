/** An error meant for the user as it is: printed as `error: <message>`, exit code 1, no stack. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export const COLLECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export function checkCollectionName(name: string): string {
  if (!COLLECTION_NAME.test(name)) {
    throw new CliError(
      `invalid collection name ${JSON.stringify(name)}: use 1-63 lowercase letters, digits, _ or -, starting with a letter or digit`,
    );
  }
  return name;
}
