import { authenticate } from '../../src/auth/users.ts';
import type { Actor } from '../../src/auth/roles.ts';
import { addUser } from '../../src/service/users.ts';
import type { Store } from '../../src/store/database.ts';

export interface Person {
  role: string;
  /** agency slugs */
  agencies?: string[];
}

/**
 * Creates the people through the users service — the first admin without a token, everyone else by that admin — and
 * returns each as the actor their token authenticates as, the way a front end gets one. The first entry must be
 * an admin.
 */
export async function createPeople<N extends string>(
  store: Store,
  people: Record<N, Person>,
): Promise<{ actors: Record<N, Actor>; tokens: Record<N, string> }> {
  const actors = {} as Record<N, Actor>;
  const tokens = {} as Record<N, string>;
  let admin: Actor | null = null;
  for (const [name, person] of Object.entries(people) as [N, Person][]) {
    const { token } = await addUser(store, admin, { name, role: person.role, agencies: person.agencies ?? [] });
    actors[name] = await authenticate(store.pool, token);
    tokens[name] = token;
    admin ??= actors[name];
  }
  return { actors, tokens };
}
