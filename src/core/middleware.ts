/**
 * A step around the work: do something, call `next()` once, do something after.
 * A step with nothing to do afterwards can `return next()` from a plain (non-async) function:
 * on the hot path that saves a promise per step.
 */
export type Middleware<C> = (ctx: C, next: () => Promise<void>) => Promise<void>;

/**
 * Composes middleware into one function, in order (the first is outermost).
 * Calling `next()` twice in one middleware is a bug that would run the work twice: it rejects.
 */
export function compose<C>(middleware: readonly Middleware<C>[]): (ctx: C, last: () => Promise<void>) => Promise<void> {
  return (ctx, last) => {
    let index = -1;
    const dispatch = (i: number): Promise<void> => {
      if (i <= index) return Promise.reject(new Error('next() called more than once in one middleware'));
      index = i;
      try {
        if (i === middleware.length) return last();
        return middleware[i]!(ctx, () => dispatch(i + 1));
      } catch (err) {
        // A plain-function step may throw instead of rejecting: same outcome for the caller.
        return Promise.reject(err);
      }
    };
    return dispatch(0);
  };
}
