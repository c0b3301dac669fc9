/** A step around the work: do something, call `next()` once, do something after. */
export type Middleware<C> = (ctx: C, next: () => Promise<void>) => Promise<void>;

/**
 * Composes middleware into one function, in order (the first is outermost).
 * Calling `next()` twice in one middleware is a bug that would run the work twice: it throws.
 */
export function compose<C>(middleware: readonly Middleware<C>[]): (ctx: C, last: () => Promise<void>) => Promise<void> {
  return (ctx, last) => {
    let index = -1;
    const dispatch = (i: number): Promise<void> => {
      if (i <= index) return Promise.reject(new Error('next() called more than once in one middleware'));
      index = i;
      const fn = i === middleware.length ? last : middleware[i];
      if (!fn) return Promise.resolve();
      try {
        return Promise.resolve(i === middleware.length ? last() : (fn as Middleware<C>)(ctx, () => dispatch(i + 1)));
      } catch (err) {
        return Promise.reject(err);
      }
    };
    return dispatch(0);
  };
}
