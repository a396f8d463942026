import { SEARCH_ATTRIBUTE_TYPES, type SearchAttributeType } from '@kairos/visibility';
import { SearchAttributeTypeConflictError, TooManySearchAttributesError } from '../errors';

/** What both stores decide the same way about custom search attributes. */

/** A stored search-attribute type name, checked. */
export function searchAttributeTypeOf(stored: unknown): SearchAttributeType {
  if (!SEARCH_ATTRIBUTE_TYPES.includes(stored as SearchAttributeType)) throw new Error(`unknown search attribute type ${String(stored)} in the store`);
  return stored as SearchAttributeType;
}

export function checkSearchAttributeTypes(attributes: ReadonlyMap<string, SearchAttributeType>): void {
  for (const [name, type] of attributes) {
    if (!name) throw new Error('a search attribute needs a name');
    searchAttributeTypeOf(type);
  }
}

/**
 * The attributes of an AddSearchAttributes call that are new for the namespace (`existing`):
 * one already registered with another type is a conflict, and the namespace may hold at most
 * `maxCustom`. Both stores decide with this, inside their write.
 */
export function searchAttributesToAdd(
  existing: ReadonlyMap<string, string>,
  attributes: ReadonlyMap<string, SearchAttributeType>,
  maxCustom: number,
): Array<[string, SearchAttributeType]> {
  const added: Array<[string, SearchAttributeType]> = [];
  for (const [name, type] of attributes) {
    const found = existing.get(name);
    if (found === undefined) added.push([name, type]);
    else if (found !== type) throw new SearchAttributeTypeConflictError(name, found);
  }
  if (added.length > 0 && existing.size + added.length > maxCustom) throw new TooManySearchAttributesError(maxCustom);
  return added;
}
