// One result kept: for work asked again and again with the same argument, as
// a server under a flood is asked for the same path and logs the same client.

/**
 * compute, with its last result kept and given again while the argument is
 * the same as the last (by same; === unless given). onFirstReuse is told of a
 * result the first time it is given again: what is worth doing to a result
 * used often, and not to one used once.
 */
export function keepingLast<A, R>(
  compute: (argument: A) => R,
  same: (a: A, b: A) => boolean = (a, b) => a === b,
  onFirstReuse: (result: R) => void = () => {},
): (argument: A) => R {
  let known = false;
  let lastArgument!: A;
  let last!: R;
  let reused = false;
  return (argument) => {
    if (known && same(argument, lastArgument)) {
      if (!reused) {
        reused = true;
        onFirstReuse(last);
      }
      return last;
    }
    known = true;
    lastArgument = argument;
    last = compute(argument);
    reused = false;
    return last;
  };
}
