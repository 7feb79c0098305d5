/**
 * `compute` with its answers kept: names and addresses repeat across a feed (王伟 thousands of
 * times), and folding or reading one costs tens of microseconds, for every record of every
 * neighbourhood. Bounded: forgotten all at once rather than grown without limit.
 */
export function remembered<T>(compute: (input: string) => T, kept: number): (input: string) => T {
  const answers = new Map<string, T>();
  return (input) => {
    let answer = answers.get(input);
    if (answer === undefined) {
      answer = compute(input);
      if (answers.size >= kept) answers.clear();
      answers.set(input, answer);
    }
    return answer;
  };
}
