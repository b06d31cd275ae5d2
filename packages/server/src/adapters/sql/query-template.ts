import type { CompiledQuery } from "kysely";

/** Anything kysely can compile: a query builder, or a raw `sql` template. */
export interface Compilable<R> {
  compile(): CompiledQuery<R>;
}

/** Stands in for one named argument while the template is compiled. */
class Placeholder {
  constructor(readonly name: string) {}
}

/**
 * Compiles a query once and then only swaps its parameters, for statements on the hot path.
 *
 * `build` is called a single time, with an arguments object whose every property is a
 * placeholder; the compiled parameters are matched back to argument names by position. Each
 * later call returns the same SQL text (one string, so the statement cache hits at once) with
 * the caller's values in those positions. Compiling a query with kysely costs tens of
 * microseconds; this costs an array map.
 *
 * A value written literally inside `build` (kysely turns `limit(1)` into a parameter) is frozen
 * as it was then; never close over a variable there. Arguments that change the SQL text itself
 * (list lengths, optional clauses) do not belong in a template.
 */
export function queryTemplate<A extends object, R>(
  build: (args: A) => Compilable<R>,
): (args: A) => CompiledQuery<R> {
  const placeholders = new Map<string, Placeholder>();
  const args = new Proxy(
    {},
    {
      get(_target, property) {
        if (typeof property !== "string") return undefined;
        let placeholder = placeholders.get(property);
        if (placeholder === undefined) {
          placeholder = new Placeholder(property);
          placeholders.set(property, placeholder);
        }
        return placeholder;
      },
    },
  ) as A;
  const compiled = build(args).compile();
  // Per position: the argument name, or the frozen literal value.
  const slots = compiled.parameters.map(
    (parameter): { readonly name: keyof A } | { readonly value: unknown } =>
      parameter instanceof Placeholder ? { name: parameter.name as keyof A } : { value: parameter },
  );
  const { sql, query, queryId } = compiled;
  return (values: A) => ({
    sql,
    query,
    queryId,
    parameters: slots.map((slot) => ("name" in slot ? values[slot.name] : slot.value)),
  });
}
