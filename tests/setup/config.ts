import { ConfigError, parseConfig } from '../../src/config/config';

/** What parseConfig refuses in `env`, every problem at once; none when it parses. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
}
